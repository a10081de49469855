"""The five bundled documents, parsed: counts per section, multi-row items, spot fields, metadata.

Every expected value was read from data/raw/*.txt (the line quoted beside it), or counted from the
text with grep-like reading, never copied from the parser's output. The parse alone is tested
here (reformkg.graph.pipeline.build.parse_all), so a failure in a later stage cannot hide a parsing regression.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from reformkg.etl.documents import parse_all
from reformkg.etl.records import Measure, ParsedDocument

from checkout import ROOT
from parse_fixtures import settings_for

RAW = ROOT / "data" / "raw"
SZ, NDRC, QHSK, TYP, PRA = (
    "sz-bizenv-2022-b1",
    "ndrc-sz-ccr-2023-b2",
    "qhsk-ftz-b6",
    "ccr-typical-2024",
    "ccr-practices-undated",
)
MSA = "深圳市市场监督管理局"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ParsedDocument]:
    settings = settings_for(ROOT / "data", tmp_path_factory.mktemp("unused-build"))
    return {d.meta.doc_id: d for d in parse_all(settings)}


def lines_of(doc: ParsedDocument) -> list[str]:
    return (RAW / doc.meta.file).read_text(encoding="utf-8").split("\n")


def one(doc: ParsedDocument, number: int, part: int | None = None) -> Measure:
    found = [m for m in doc.measures if m.number == str(number) and m.part == part]
    assert len(found) == 1, f"{doc.meta.doc_id} {number}-{part}: {len(found)} measures"
    return found[0]


def canon(refs) -> list[str]:
    return [r.canonical for r in refs]


# (heading line, heading as printed without tags/tabs, declared count, first item, last item, rows)
SECTIONS = {
    SZ: [
        (9, "一、健全透明规范的市场主体准入退出机制", None, 1, 25, 27),
        (200, "二、强化企业各类生产要素供给保障", None, 26, 40, 17),
        (321, "三、打造全链条创新生态体系", None, 41, 51, 14),
        (421, "四、维护公平竞争的市场秩序", None, 52, 65, 14),
        (521, "五、建立以信用为基础的新型智慧监管机制", None, 66, 86, 30),
        (733, "六、依法保护市场主体产权和合法权益", None, 87, 100, 14),
        (833, "七、促进跨境贸易便利化", None, 101, 115, 15),
        (940, "八、优化外商投资和国际人才管理服务", None, 116, 126, 11),
        (1019, "九、建设高水平开放创新试验平台", None, 127, 135, 9),
        (1084, "十、提升企业投资和建设便利度", None, 136, 152, 17),
        (1205, "十一、提供智慧高效的政务服务", None, 153, 185, 33),
        (1438, "十二、构建精准主动的企业服务体系", None, 186, 200, 15),
    ],
    QHSK: [
        (14, "一、投资便利化（8项）", 8, 1, 8, 8),
        (64, "二、贸易便利化（4项）", 4, 9, 12, 4),
        (90, "三、金融开放创新（5项）", 5, 13, 17, 5),
        (122, "四、事中事后监管（4项）", 4, 18, 21, 4),
        (148, "五、法治创新（11项）", 11, 22, 32, 11),
        (216, "六、人才管理改革（2项）", 2, 33, 34, 2),
        (230, "七、体制机制创新（4项）", 4, 35, 38, 4),
    ],
    TYP: [  # line 8: <b>一、要素市场化改革</b>\t\t\t\t\t
        (8, "一、要素市场化改革", None, 1, 6, 6),
        (27, "二、科技创新体制机制", None, 7, 14, 8),
        (50, "三、高水平对外开放", None, 15, 22, 8),
        (71, "四、优化营商环境", None, 23, 25, 3),
        (81, "五、社会事业和空间治理", None, 26, 32, 7),
    ],
    PRA: [  # line 8 is padded with tabs, line 27 is not
        (8, "一、科技创新和产业创新深度融合场景方面", None, 1, 9, 9),
        (27, "二、一体推进教育科技人才发展方面", None, 10, 14, 5),
        (41, "三、优化城市更新和要素保障方面", None, 15, 25, 11),
        (64, "四、扩大自主开放和贸易创新发展方面", None, 26, 33, 8),
        (84, "五、优化民生保障和政务服务方面", None, 34, 41, 8),
    ],
    # line 11: …共22条，主要包括：…等4条支持科技成果转化的创新举措；…等6条推进要素市场化配置的典型
    # 经验；…等6条优化涉企服务的创新举措；…等6条改善民生、提高治理效能的典型经验。
    NDRC: [
        (11, "支持科技成果转化的创新举措", 4, 1, 4, 4),
        (11, "推进要素市场化配置的典型经验", 6, 5, 10, 6),
        (11, "优化涉企服务的创新举措", 6, 11, 16, 6),
        (11, "改善民生、提高治理效能的典型经验", 6, 17, 22, 6),
    ],
}
LAYOUT = {SZ: "field-per-line", QHSK: "field-per-line", TYP: "tsv", PRA: "tsv", NDRC: "tsv"}


def test_all_five_documents_are_parsed(docs) -> None:
    assert set(docs) == set(SECTIONS)
    assert {k: d.meta.layout for k, d in docs.items()} == LAYOUT


@pytest.mark.parametrize("doc_id", sorted(SECTIONS))
def test_sections_and_counts(docs, doc_id: str) -> None:
    doc, want = docs[doc_id], SECTIONS[doc_id]
    assert [(s.line, s.title, s.declared_count) for s in doc.sections] == [w[:3] for w in want]
    assert all(s.inferred == (doc_id == NDRC) for s in doc.sections)
    for section, (_, title, _, first, last, rows) in zip(doc.sections, want, strict=True):
        measures = [m for m in doc.measures if m.section == section.index]
        assert len(measures) == rows, title
        assert sorted({int(m.number) for m in measures}) == list(range(first, last + 1)), title
    assert len(doc.measures) == sum(w[5] for w in want)
    assert len({m.number for m in doc.measures}) == want[-1][4]


@pytest.mark.parametrize("doc_id", sorted(SECTIONS))
def test_nothing_unparsed_and_no_warnings(docs, doc_id: str) -> None:
    doc = docs[doc_id]
    assert doc.unparsed == []
    assert doc.warnings == []


def test_multi_row_items_of_the_2022_list(docs) -> None:
    """Rows with an empty 序号 continue the item above; 68* is printed again on line 579."""
    doc = docs[SZ]
    parts = Counter(m.number for m in doc.measures if m.part is not None)
    assert parts == {"7": 2, "24": 2, "35": 3, "51": 4, "66": 3, "68": 5, "69": 4}
    for number, n in parts.items():
        rows = sorted((m for m in doc.measures if m.number == number), key=lambda m: m.line_start)
        assert [m.part for m in rows] == list(range(1, n + 1))
    assert len(doc.measures) == 216 and len({m.number for m in doc.measures}) == 200
    # line 579: \t68* again, line 580: \t建立健全重点领域全流程事前事中事后监管机制
    reprint = one(doc, 68, 5)
    assert (reprint.line_start, reprint.number_label) == (579, "68*")
    assert "number-reprinted" in reprint.flags
    assert reprint.name.clean == one(doc, 68, 1).name.clean
    assert reprint.name.clean == "建立健全重点领域全流程事前事中事后监管机制"


def test_continuation_rows_keep_their_own_name_or_inherit(docs) -> None:
    doc = docs[SZ]
    # lines 60-61: \t (empty number) then \t探索“一证多址”改革
    own = one(doc, 7, 2)
    assert (own.name.clean, own.number_label, own.line_start, own.line_end) == (
        "探索“一证多址”改革",
        "",
        60,
        65,
    )
    assert own.starred and "continuation" in own.flags and "name-inherited" not in own.flags
    assert one(doc, 7, 1).name.clean == "开展“一照多址”改革"  # line 54
    # lines 400-401: empty number and empty name; line 402 its own 具体举措
    inherited = one(doc, 51, 2)
    assert inherited.name.clean == "推进区块链技术在政务服务、医疗服务、物流领域的应用"  # line 394
    assert {"continuation", "name-inherited"} <= set(inherited.flags)
    assert inherited.practice.clean.startswith("试点推行基于区块链技术的新兴产业专项资金发放模式")
    assert canon(one(doc, 51, 3).lead) == ["深圳市卫生健康委员会"]  # line 410: 市卫生健康委


def test_star_markers_match_the_footnote(docs) -> None:
    """Line 1546: 注：序号标*的为贯彻落实国家101项改革任务的相关举措 — and 101 numbers carry a *."""
    doc = docs[SZ]
    assert doc.meta.star_meaning == "序号标*的为贯彻落实国家101项改革任务的相关举措"
    assert len({m.number for m in doc.measures if m.starred}) == 101
    assert (one(doc, 1).number_label, one(doc, 1).starred) == ("1*", True)  # line 11: \t1*
    assert (one(doc, 4).number_label, one(doc, 4).starred) == ("4", False)  # line 32: \t4
    assert doc.meta.metadata_lines[1546] == "footnote"


def test_deadlines_of_the_2022_list(docs) -> None:
    doc = docs[SZ]
    # counted in the 完成时限 lines of the 216 rows
    assert Counter(m.deadline_text for m in doc.measures) == {
        "2022年12月底": 102,
        "2022年6月底": 66,
        "已落地，持续巩固提升": 31,
        "2022年3月底": 17,
    }
    dates = {m.deadline_text: m.deadline_date for m in doc.measures}
    assert dates == {
        "2022年12月底": "2022-12-31",
        "2022年6月底": "2022-06-30",
        "2022年3月底": "2022-03-31",
        "已落地，持续巩固提升": None,
    }
    assert one(doc, 15).deadline_text == "2022年3月底"  # line 121


def test_agencies_of_the_2022_list(docs) -> None:
    doc = docs[SZ]
    first = one(doc, 1)  # lines 14-15
    assert (first.lead_raw, canon(first.lead)) == ("市市场监管局", [MSA])
    assert first.responsible_raw == "市人力资源保障局、深圳市税务局、市政务服务数据管理局"
    assert canon(first.responsible) == [
        "深圳市人力资源和社会保障局",
        "国家税务总局深圳市税务局",
        "深圳市政务服务数据管理局",
    ]
    twelve = one(doc, 12)  # line 98: 市市场监管局、市规划和自然资源局按职责分工负责
    assert canon(twelve.lead) == [MSA, "深圳市规划和自然资源局"]
    assert [r.note for r in twelve.lead] == ["按职责分工负责", "按职责分工负责"]  # applies to both
    assert twelve.responsible == () and twelve.responsible_raw == ""  # line 99: a lone tab
    data_market = one(doc, 35, 1)  # line 269: 市国资委、前海管理局、福田区政府
    assert canon(data_market.responsible) == [
        "深圳市人民政府国有资产监督管理委员会",
        "深圳市前海深港现代服务业合作区管理局",
        "深圳市福田区人民政府",
    ]
    assert [r.level for r in data_market.responsible] == ["city", "city", "district"]
    stats = one(doc, 35, 2)  # lines 275-276: 市统计局 / 各区政府
    assert canon(stats.lead) == ["深圳市统计局"]
    assert [(r.canonical, r.level) for r in stats.responsible] == [("各区政府", "collective")]


def test_spot_fields_of_the_2023_notice(docs) -> None:
    doc = docs[NDRC]
    spaced = one(doc, 5)  # line 48: 5\t二 三 产 业 混 合 用 地 新 模 式\t<p>(1) …(2) …(3) …
    assert spaced.name.raw == "二 三 产 业 混 合 用 地 新 模 式"
    assert spaced.name.clean == "二三产业混合用地新模式"
    assert len(spaced.practice_points) == 3
    assert one(doc, 6).name.clean == "地上地表地下分层设立建设用地使用权"  # line 49
    first = one(doc, 1)  # line 40: <p>（1）依托深圳证券交易所… full-width markers
    assert len(first.practice_points) == 3
    assert first.practice_points[1].startswith("强化技术对接资本信息服务")
    airport = one(doc, 13)  # line 64: the effect cell has no <p>
    assert airport.effect.clean.startswith("深圳宝安国际机场高峰小时容量标准从 55 架次/小时")
    assert "<p>" in one(doc, 1).effect.raw and "<p>" not in one(doc, 1).effect.clean
    assert (one(doc, 22).line_start, one(doc, 22).name.clean) == (81, "健全改革正向激励机制")
    assert {m.places for m in doc.measures} == {()}  # no 来源 column: no pilot place printed


def test_spot_fields_of_the_ftz_list(docs) -> None:
    doc = docs[QHSK]
    licence = one(doc, 2)  # lines 22-26; 市市场监管局 read in Shenzhen, the zone's city
    assert licence.name.clean == "电子营业执照“一照通”应用拓展"
    assert (licence.line_start, licence.line_end) == (22, 26)
    assert canon(licence.lead) == [MSA] and licence.scope == ("全市",)
    assert one(doc, 9).scope == ("海关特殊监管区域",)  # line 70
    assert canon(one(doc, 9).lead) == ["中华人民共和国深圳海关"]  # line 69: 深圳海关
    law = one(doc, 30)  # line 201: 市司法局、市人大常委会法工委
    assert canon(law.lead) == ["深圳市司法局", "深圳市人大常委会法制工作委员会"]
    assert Counter(m.scope for m in doc.measures) == {("全市",): 37, ("海关特殊监管区域",): 1}
    assert [(r.canonical, r.level) for r in one(doc, 1).lead] == [("各企业", "collective")]
    assert all(m.line_end - m.line_start == 4 for m in doc.measures)  # five fields, one a line


@pytest.mark.parametrize(
    ("doc_id", "places", "scopes"),
    [
        (
            TYP,
            {"xiamen": 13, "pudong": 11, "shenzhen": 8},
            {"全国": 28, "具备条件地区": 3, "长三角区域": 1},
        ),
        (PRA, {"xiamen": 17, "shenzhen": 16, "pudong": 8}, {"全国": 30, "具备条件地区": 11}),
    ],
)
def test_places_and_scopes_of_the_ccr_lists(docs, doc_id, places, scopes) -> None:
    """Counted in the 来源 and 推广范围 cells (浦东新区 in one list, 上海浦东 in the other)."""
    doc = docs[doc_id]
    assert Counter(p for m in doc.measures for p in m.places) == places
    assert Counter(s for m in doc.measures for s in m.scope) == scopes


def test_spot_fields_of_the_ccr_lists(docs) -> None:
    typical, practices = docs[TYP], docs[PRA]
    # line 75: 24\t构建船舶载运“新三样”货物水水中转运输新模式 … \t浦东新区\t…\t长三角区域
    m = one(typical, 24)
    assert (m.places_raw, m.places, m.scope) == ("浦东新区", ("pudong",), ("长三角区域",))
    plain = one(typical, 6)  # line 24: a practice cell with neither <p> nor (1)
    assert plain.practice_points == (plain.practice.clean,)
    assert len(one(typical, 18).practice_points) >= 2  # line 58: <p>（1）建立健全… （2）…
    assert one(typical, 1).effect.clean.startswith("截至 2024 年第三季度，已有 19 宗用地项目")
    assert (one(practices, 5).places_raw, one(practices, 5).places) == ("上海浦东", ("pudong",))
    assert len(one(practices, 10).practice_points) == 4  # line 29: (1) … (4)
    assert one(practices, 15).practice_points[0].startswith("探索城市更新土地供应新模式")  # (1)探索
    dup = one(practices, 12)  # line 34 prints a run twice
    assert "duplicated-text" in dup.flags
    assert dup.duplicated == ("学科建设和广东省高水平次人才“专业编制周转池”制度、重点",)
    assert dup.practice.clean.count(dup.duplicated[0]) == 2  # kept in the text, only flagged


@pytest.mark.parametrize("doc_id", [NDRC, TYP, PRA])
def test_tsv_rows_keep_their_line(docs, doc_id: str) -> None:
    """A tab-separated row is one line: the line that starts with its number and a tab."""
    doc = docs[doc_id]
    printed = {
        m.group(1): n
        for n, line in enumerate(lines_of(doc), start=1)
        if (m := re.match(r"^(\d+)\t", line))
    }
    assert {m.number: (m.line_start, m.line_end) for m in doc.measures} == {
        k: (n, n) for k, n in printed.items()
    }


def test_metadata_of_the_2023_notice(docs) -> None:
    meta = docs[NDRC].meta
    assert meta.document_number == "发改体改〔2023〕1447号"  # line 5
    assert (meta.date, meta.date_status) == ("2023-10-27", "stated")  # line 33: 2023年10月27日
    # lines 19-31: 国家发展改革委 / 科 技 部 / 司 法 部 / 自 然 资 源 部 / 中国人民银行 /
    # 中 国 证 监 会 / 国家知识产权局
    assert meta.issuers == [
        "国家发展和改革委员会",
        "中华人民共和国科学技术部",
        "中华人民共和国司法部",
        "中华人民共和国自然资源部",
        "中国人民银行",
        "中国证券监督管理委员会",
        "国家知识产权局",
    ]
    first_batch = "2022年推广借鉴深圳综合改革试点首批授权事项典型经验和创新举措"  # line 9
    assert first_batch in meta.previous_batch_text
    roles = meta.metadata_lines
    assert (roles[5], roles[33], roles[17]) == ("document-number", "date", "attachment-reference")
    assert [n for n, r in sorted(roles.items()) if r == "issuer"] == list(range(19, 32, 2))


def test_documents_without_stated_metadata(docs) -> None:
    for doc_id in (SZ, QHSK, TYP, PRA):
        meta = docs[doc_id].meta
        assert meta.document_number == "" and meta.issuers == []
        assert meta.date_status in {"inferred", "unknown"}
    assert docs[SZ].meta.date_status == "inferred"  # the manifest gives the evidence


# Lines that are layout, by reading: the header (split over lines in the field-per-line lists),
# the header printed again, and ---- separator rows.
HEADER_LINES = {
    SZ: range(2, 8),
    QHSK: range(5, 13),
    NDRC: range(39, 40),
    TYP: range(7, 8),
    PRA: range(7, 8),
}


@pytest.mark.parametrize("doc_id", sorted(SECTIONS))
def test_every_non_blank_line_is_accounted_for(docs, doc_id: str) -> None:
    """Each non-blank line is in exactly one place: a measure, a heading, the document's metadata,
    or a layout line (header, header repeated, separator)."""
    doc = docs[doc_id]
    lines = lines_of(doc)
    header = [lines[n - 1] for n in HEADER_LINES[doc_id]]
    layout = set(HEADER_LINES[doc_id])
    if doc.meta.layout == "tsv":
        layout |= {
            n
            for n, line in enumerate(lines, 1)
            if line == header[0] or re.fullmatch(r"[-\t]+", line)
        }
    places: dict[int, list[str]] = {}
    for m in doc.measures:
        for n in range(m.line_start, m.line_end + 1):
            places.setdefault(n, []).append(f"measure {m.number}-{m.part}")
    for s in doc.sections:
        if not s.inferred:
            places.setdefault(s.line, []).append("heading")
    for n, role in doc.meta.metadata_lines.items():
        places.setdefault(n, []).append(f"metadata {role}")
    for n in layout:
        places.setdefault(n, []).append("layout")
    non_blank = [n for n, line in enumerate(lines, 1) if line.strip()]
    assert [n for n in non_blank if n not in places] == []
    assert {n: p for n, p in places.items() if len(p) > 1} == {}
    counted = Counter(doc.layout_lines)
    assert (
        counted["repeated-header"] == len(layout) - len(HEADER_LINES[doc_id]) - counted["separator"]
    )
    assert doc.line_count == len(non_blank)


def test_layout_lines_counted_by_reading(docs) -> None:
    """Header repeats and separators, counted in the text: 26 and 0 in the 2024 list, 19 and 3
    (lines 30, 67, 87) in the undated one, 10 and 0 in the 2023 notice."""
    got = {
        k: (
            docs[k].layout_lines.get("repeated-header", 0),
            docs[k].layout_lines.get("separator", 0),
        )
        for k in (TYP, PRA, NDRC)
    }
    assert got == {TYP: (26, 0), PRA: (19, 3), NDRC: (10, 0)}


def test_source_file_is_the_manifest_file(docs) -> None:
    for doc in docs.values():
        assert {m.source_file for m in doc.measures} == {doc.meta.file}
        assert Path(RAW / doc.meta.file).exists()

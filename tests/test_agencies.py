"""Agencies and places: splitting cells, qualifiers, jurisdiction, levels, collectives, issuers.

Issue #2: "split 牵头单位 / 责任单位 cells into bodies; keep qualifiers such as 按职责分工负责 as
a note; resolve short local names to one canonical body per real body using the document's
jurisdiction (市市场监管局 in a Shenzhen list and 深圳市市场监管局 are the same body); a reviewable
alias table in the data folder; the level of each body (national, provincial, city, district,
collective); collective entries (各区政府, 各有关单位, 各企业) are entities of their own kind. The
seven issuing bodies of the 2023 notice are agencies too." And: "深圳, 厦门, 上海浦东 / 浦东新区
(one place), 前海蛇口片区 (inside 深圳): canonical places with their hierarchy."
"""

from __future__ import annotations

import csv

import pytest

from reformkg.etl.documents import parse_all
from reformkg.etl.normalise import (
    LEVELS,
    load_resolver,
    resolve_agency,
    resolve_places,
    split_agencies,
)

from checkout import ROOT
from parse_fixtures import settings_for

DATA = ROOT / "data"
MSA = "深圳市市场监督管理局"


@pytest.fixture(scope="module")
def resolver():
    return load_resolver(DATA)


def names(refs) -> list[str]:
    return [r.canonical for r in refs]


def test_cells_split_on_every_separator_printed(resolver) -> None:
    # sz-bizenv-2022-b1 line 21: 市市场监管局、人民银行深圳市中心支行
    assert names(split_agencies("市市场监管局、人民银行深圳市中心支行", "shenzhen", resolver)) == [
        MSA,
        "中国人民银行深圳市中心支行",
    ]
    # line 590: 市司法局，各有关单位 (a full-width comma)
    assert names(split_agencies("市司法局，各有关单位", "shenzhen", resolver)) == [
        "深圳市司法局",
        "各有关单位",
    ]
    # a named body, then a collective: 市城管和综合执法局等各有关单位
    refs = split_agencies("市城管和综合执法局等各有关单位", "shenzhen", resolver)
    assert [(r.canonical, r.level) for r in refs] == [
        ("深圳市城市管理和综合执法局", "city"),
        ("各有关单位", "collective"),
    ]
    assert split_agencies("", "shenzhen", resolver) == ()
    assert split_agencies("\t", "shenzhen", resolver) == ()


def test_the_same_body_printed_twice_is_one_body(resolver) -> None:
    refs = split_agencies("市市场监管局、深圳市市场监管局", "shenzhen", resolver)
    assert names(refs) == [MSA]


@pytest.mark.parametrize(
    "cell",
    [
        "市市场监管局、市规划和自然资源局按职责分工负责",  # sz line 98
        "市中级法院、市市场监管局、市住房建设局、深圳银保监局按职责分工负责",  # sz line 161
    ],
    ids=["sz-line-98", "sz-line-161"],
)
def test_qualifier_is_a_note_not_part_of_a_name(resolver, cell: str) -> None:
    refs = split_agencies(cell, "shenzhen", resolver)
    assert not any("按职责" in r.canonical for r in refs)
    # the qualifier closes the list: it applies to every body named before it
    assert [r.note for r in refs] == ["按职责分工负责"] * (cell.count("、") + 1)


def test_short_local_names_resolve_in_the_jurisdiction(resolver) -> None:
    short = resolve_agency("市市场监管局", "shenzhen", resolver)
    full = resolve_agency("深圳市市场监管局", "shenzhen", resolver)
    assert short.canonical == full.canonical == MSA
    assert short.name_as_printed == "市市场监管局"
    # the FTZ list's jurisdiction is 前海蛇口片区, whose city is 深圳 (qhsk-ftz-b6 line 25)
    assert resolve_agency("市市场监管局", "qianhai-shekou", resolver).canonical == MSA
    # a body missing from the alias table is still read in the jurisdiction
    assert resolve_agency("市财政局", "shenzhen", resolver).canonical == "深圳市财政局"


@pytest.mark.parametrize(
    ("jurisdiction", "city"), [("xiamen", "厦门市"), ("pudong", "上海市")], ids=["xiamen", "pudong"]
)
def test_short_names_of_another_city_are_not_shenzhen_bodies(
    resolver, jurisdiction: str, city: str
) -> None:
    """市市场监管局 in a Xiamen list is Xiamen's bureau: the alias table's short names (市…) are
    Shenzhen's only because the Shenzhen lists print them."""
    for printed in ("市市场监管局", "市住房建设局", "市财政局"):
        ref = resolve_agency(printed, jurisdiction, resolver)
        assert ref.canonical.startswith(city), (printed, jurisdiction, ref)
        assert ref.level == "city"


@pytest.mark.parametrize(
    ("printed", "canonical", "level"),
    [
        ("国家发展改革委", "国家发展和改革委员会", "national"),
        ("深圳海关", "中华人民共和国深圳海关", "city"),
        ("市委网信办", "中共深圳市委网络安全和信息化委员会办公室", "city"),
        ("福田区政府", "深圳市福田区人民政府", "district"),  # sz line 269
        ("广东省市场监督管理局", "广东省市场监督管理局", "provincial"),
        ("各区政府", "各区政府", "collective"),
        ("各有关单位", "各有关单位", "collective"),
        ("各企业", "各企业", "collective"),  # qhsk line 19
        ("各行业主管部门", "各行业主管部门", "collective"),
        ("各涉企单位", "各涉企单位", "collective"),
    ],
)
def test_levels(resolver, printed: str, canonical: str, level: str) -> None:
    ref = resolve_agency(printed, "shenzhen", resolver)
    assert (ref.canonical, ref.level) == (canonical, level)


def test_alias_table_is_reviewable_and_unambiguous() -> None:
    with (DATA / "agencies.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    canonicals = [r["canonical"] for r in rows]
    assert len(canonicals) == len(set(canonicals))
    owner: dict[str, str] = {}
    for r in rows:
        assert r["level"] in LEVELS, r
        assert not r["parent"] or r["parent"] in canonicals, r
        for alias in filter(None, r["aliases"].split("|")):
            assert alias not in canonicals, f"{alias} is both an alias and a canonical name"
            assert owner.setdefault(alias, r["canonical"]) == r["canonical"], alias


def test_seven_issuers_are_national_agencies(resolver) -> None:
    """ndrc-sz-ccr-2023-b2 lines 19-31, letter-spaced as printed."""
    printed = [
        "国家发展改革委",
        "科 技 部",
        "司 法 部",
        "自 然 资 源 部",
        "中国人民银行",
        "中 国 证 监 会",
        "国家知识产权局",
    ]
    refs = [resolve_agency(p, "shenzhen", resolver) for p in printed]
    assert [r.canonical for r in refs] == [
        "国家发展和改革委员会",
        "中华人民共和国科学技术部",
        "中华人民共和国司法部",
        "中华人民共和国自然资源部",
        "中国人民银行",
        "中国证券监督管理委员会",
        "国家知识产权局",
    ]
    assert {r.level for r in refs} == {"national"}
    assert all(r.canonical in resolver.agencies for r in refs)


def test_bodies_in_the_documents_have_one_canonical_name(resolver, tmp_path) -> None:
    """No body of the five documents is known under two names, and no short name is left
    unexpanded: every canonical is the alias table's or the printed name read in its city."""
    docs = parse_all(settings_for(DATA, tmp_path))
    aliases = {a for e in resolver.agencies.values() for a in e.aliases}
    refs = [r for d in docs for m in d.measures for r in (*m.lead, *m.responsible)]
    assert refs
    assert {r.canonical for r in refs} & aliases == set()
    assert [
        r.canonical for r in refs if r.canonical.startswith("市") and r.level != "collective"
    ] == []
    collectives = {r.canonical for r in refs if r.level == "collective"}
    # sz-bizenv-2022-b1 lines 746 (市直有关单位、各区政府), 1174 (各审批部门); qhsk line 19 (各企业)
    assert collectives == {
        "各有关单位",
        "各区政府",
        "各企业",
        "各行业主管部门",
        "各涉企单位",
        "市直有关单位",
        "各审批部门",
    }
    assert {r.level for r in refs} <= set(LEVELS)


def test_places_and_their_hierarchy(resolver) -> None:
    places = resolver.places

    def chain(place_id: str) -> list[str]:
        out = [place_id]
        while places[out[-1]].within:
            out.append(places[out[-1]].within)
        return out

    assert chain("qianhai-shekou") == ["qianhai-shekou", "shenzhen", "guangdong", "china"]
    assert chain("pudong") == ["pudong", "shanghai", "china"]
    assert chain("xiamen") == ["xiamen", "fujian", "china"]
    assert resolver.city_of("qianhai-shekou").id == "shenzhen"
    assert resolver.city_of("pudong").id == "shanghai"
    # 来源 cells as printed: 上海浦东 (ccr-practices-undated line 17), 浦东新区 (ccr-typical-2024
    # line 15): one place
    assert resolve_places("上海浦东", "shenzhen", resolver) == (("pudong",), [])
    assert resolve_places("浦东新区", "shenzhen", resolver) == (("pudong",), [])
    assert resolve_places("深圳", "shenzhen", resolver) == (("shenzhen",), [])
    assert resolve_places("厦门", "shenzhen", resolver) == (("xiamen",), [])
    # no 来源 printed: no pilot place (the jurisdiction goes under rk:jurisdiction, issue 18)
    assert resolve_places("", "qianhai-shekou", resolver) == ((), [])
    assert resolve_places("广州", "shenzhen", resolver) == ((), ["广州"])

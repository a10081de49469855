"""Documents printed in traditional (or mixed) characters (issue 17): the same records, themes,
links and answers as their simplified printing, with the printed text kept.

Each bundled document is converted to traditional characters here, with OpenCC s2t (the test
makes its input; nothing converted is stored), and parsed by the unchanged code with the
unchanged tables (data/columns.toml, agencies.csv, places.csv, scopes.csv). It is compared with
the original record by record, field by field: every field that is not printed text is equal,
and every printed field is the conversion of the original's. "Mixed" converts every other line,
as a reprint that mixes scripts would.

One caveat belongs to OpenCC, not to the parser: its s2t → t2s does not return every character
(批复 → 批覆 → 批覆, 复议 → 複議/覆議 → 覆议), so the simplified form of a converted text is compared
with the simplified form of the converted original (`to_simplified(S2T(x))`), and
`test_opencc_round_trip_loses_only_these_characters` pins how little that is.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import RDFS, SKOS, Literal, URIRef

from reformkg.etl import link as linking
from reformkg.etl.documents import parse_all
from reformkg.etl.layout import column_names, find_header
from reformkg.etl.normalise import (
    deadline_date,
    load_resolver,
    resolve_places,
    resolve_scope,
    split_agencies,
)
from reformkg.etl.records import Measure, ParsedDocument
from reformkg.etl.text import section_heading
from reformkg.etl.themes import classify, load_vocabulary
from reformkg.etl.to_rdf import entity_triples, measure_triples
from reformkg.graph.query.named import list_queries, run_named
from reformkg.graph.query.store import open_store
from reformkg.graph.read.deadlines import deadlines
from reformkg.graph.read.measures import measure_fields
from reformkg.graph.read.options import documents
from reformkg.graph.read.search import build_index
from reformkg.script import is_traditional, normalise, to_simplified
from reformkg.settings import Settings
from reformkg.vocab import RK, agency_iri, measure_iri, section_iri

from checkout import ROOT

S2T = opencc.OpenCC("s2t").convert
T2S = opencc.OpenCC("t2s").convert
BUNDLED = Settings.defaults()
DOC_IDS = [
    "sz-bizenv-2022-b1",
    "ndrc-sz-ccr-2023-b2",
    "qhsk-ftz-b6",
    "ccr-typical-2024",
    "ccr-practices-undated",
]


def converted_folder(into: Path, convert_line: Callable[[int, str], str]) -> Settings:
    """A copy of the bundled data folder whose documents (and manifest titles) are converted."""
    shutil.copytree(BUNDLED.data_dir, into, ignore=shutil.ignore_patterns("__*"))
    for path in [*(into / "raw").glob("*.txt"), into / "manifest.toml"]:
        lines = path.read_text(encoding="utf-8").split("\n")
        converted = [convert_line(n, line) for n, line in enumerate(lines)]
        path.write_text("\n".join(converted), encoding="utf-8")
    return replace(BUNDLED, data_dir=into)


SCRIPTS: dict[str, Callable[[int, str], str]] = {
    "traditional": lambda n, line: S2T(line),
    "mixed": lambda n, line: S2T(line) if n % 2 else line,
}


@pytest.fixture(scope="module")
def original() -> dict[str, ParsedDocument]:
    return {d.meta.doc_id: d for d in parse_all(BUNDLED)}


@pytest.fixture(scope="module", params=list(SCRIPTS))
def converted(request, tmp_path_factory) -> dict[str, ParsedDocument]:
    folder = tmp_path_factory.mktemp(request.param) / "data"
    settings = converted_folder(folder, SCRIPTS[request.param])
    return {d.meta.doc_id: d for d in parse_all(settings)}


def as_printed(converted_text: str, original_text: str) -> bool:
    """The converted record holds the printed text: each character is the original's, or the
    original's converted (a text the mix printed partly converted has both)."""
    whole = S2T(original_text)
    return len(converted_text) == len(original_text) == len(whole) and all(
        c in (a, w) for c, a, w in zip(converted_text, original_text, whole, strict=True)
    )


def same_simplified(converted_text: str, original_text: str) -> bool:
    return to_simplified(converted_text) == to_simplified(S2T(original_text))


# --------------------------------------------------------------------------- records


def fields_not_printed(m: Measure) -> dict[str, object]:
    """Every field of a measure that is not printed text."""

    def refs(agencies):
        return [(a.canonical, a.level, a.note) for a in agencies]

    return {
        "key": (m.doc_id, m.number, m.part),
        "number_label": m.number_label,
        "starred": m.starred,
        "section": m.section,
        "points": len(m.practice_points),
        "places": m.places,
        "scope": m.scope,
        "lead": refs(m.lead),
        "responsible": refs(m.responsible),
        "deadline_date": m.deadline_date,
        "source": (m.source_file, m.line_start, m.line_end),
        "flags": m.flags,
        "duplicated": len(m.duplicated),
    }


def printed_fields(m: Measure) -> dict[str, str]:
    texts = {
        "name": m.name.raw,
        "practice": m.practice.raw,
        "effect": m.effect.raw if m.effect else "",
        "places_raw": m.places_raw,
        "scope_raw": m.scope_raw,
        "lead_raw": m.lead_raw,
        "responsible_raw": m.responsible_raw,
        "deadline_text": m.deadline_text,
    }
    texts.update({f"point {i}": p for i, p in enumerate(m.practice_points)})
    texts.update({f"lead {i}": a.name_as_printed for i, a in enumerate(m.lead)})
    texts.update({f"responsible {i}": a.name_as_printed for i, a in enumerate(m.responsible)})
    return texts


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_document_parses_to_the_same_records(original, converted, doc_id: str) -> None:
    a, b = original[doc_id], converted[doc_id]
    assert (b.unparsed, b.warnings) == ([], []) and (a.unparsed, a.warnings) == ([], [])
    assert (b.layout_lines, b.line_count) == (a.layout_lines, a.line_count)
    for key in ("layout", "date", "date_status", "issuers", "metadata_lines"):
        assert getattr(b.meta, key) == getattr(a.meta, key), key
    for key in ("document_number", "star_meaning", "previous_batch_text", "description"):
        assert as_printed(getattr(b.meta, key), getattr(a.meta, key)), key
    assert [(c, n) for _, c, n in b.meta.prose_sections] == [
        (c, n) for _, c, n in a.meta.prose_sections
    ]
    assert all(
        as_printed(tb, ta)
        for (tb, _, _), (ta, _, _) in zip(b.meta.prose_sections, a.meta.prose_sections, strict=True)
    )
    assert [(s.index, s.line, s.declared_count, s.inferred) for s in b.sections] == [
        (s.index, s.line, s.declared_count, s.inferred) for s in a.sections
    ]
    assert all(
        as_printed(sb.title, sa.title) for sb, sa in zip(b.sections, a.sections, strict=True)
    )
    assert len(b.measures) == len(a.measures)
    for mb, ma in zip(b.measures, a.measures, strict=True):
        where = f"{doc_id} {ma.number}-{ma.part}"
        assert fields_not_printed(mb) == fields_not_printed(ma), where
        printed_b, printed_a = printed_fields(mb), printed_fields(ma)
        assert printed_b.keys() == printed_a.keys(), where
        wrong = [k for k in printed_a if not as_printed(printed_b[k], printed_a[k])]
        assert not wrong, f"{where}: printed text not kept in {wrong}"
        for text_b, text_a in [(mb.name, ma.name), (mb.practice, ma.practice)]:
            assert same_simplified(text_b.simplified, text_a.clean), where


def test_the_bundled_documents_have_traditional_text_only_where_printed(original) -> None:
    """The originals are simplified but for one character (中小學生 in ccr-typical-2024)."""
    traditional = [
        (m.doc_id, m.number)
        for d in original.values()
        for m in d.measures
        if any(is_traditional(t) for t in printed_fields(m).values())
    ]
    assert traditional == [("ccr-typical-2024", "2")]


def test_opencc_round_trip_loses_only_these_characters(original) -> None:
    lost: Counter[tuple[str, str]] = Counter()
    for doc in original.values():
        for m in doc.measures:
            for text in printed_fields(m).values():
                back = T2S(S2T(text))
                assert len(back) == len(text)
                lost.update((x, y) for x, y in zip(text, back, strict=True) if x != y)
    assert set(lost) <= {("复", "覆"), ("學", "学")}, lost


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_themes_are_the_same(original, converted, doc_id: str) -> None:
    vocab = load_vocabulary(BUNDLED.ontology_dir)
    for mb, ma in zip(converted[doc_id].measures, original[doc_id].measures, strict=True):
        assert classify(mb, vocab) == classify(ma, vocab), (doc_id, ma.number, ma.part)


def test_linking_finds_the_same_counterparts(original, converted) -> None:
    vocab = load_vocabulary(BUNDLED.ontology_dir)

    def links(docs: dict[str, ParsedDocument]) -> dict[tuple, float]:
        themes = {
            linking.measure_key(m): [h.theme_id for h in classify(m, vocab)]
            for d in docs.values()
            for m in d.measures
        }
        found = linking.link_measures(list(docs.values()), themes)
        return {(x.source_key, x.target_key, x.relation): x.score for x in found}

    a, b = links(original), links(converted)
    assert b.keys() == a.keys()
    assert max(abs(a[k] - b[k]) for k in a) <= 0.01  # OpenCC's 复 → 覆 moves a bigram or two


# --------------------------------------------------------------------------- each element


@pytest.fixture(scope="module")
def resolver():
    return load_resolver(BUNDLED.data_dir)


def test_header_in_traditional_characters_is_found() -> None:
    names = column_names(BUNDLED.data_dir / "columns.toml")
    row = "序號\t試點任務\t實施內容\t牽頭單位\t推廣範圍"
    assert find_header([row], names) is not None
    layout, header = find_header(["附件", row], names) or ("", None)
    assert layout == "tsv" and header is not None
    assert header.fields == ["number", "name", "practice", "lead", "scope"]
    assert header.cells == row.split("\t")  # printed as it was
    field_per_line = [
        "\t序號",
        "\t試點",
        "任務",
        "\t實施內容",
        "\t牽頭",
        "單位",
        "\t推廣",
        "範圍",
        "",
    ]
    layout, header = find_header(field_per_line, names) or ("", None)
    assert layout == "field-per-line" and header is not None
    assert header.fields == ["number", "name", "practice", "lead", "scope"]


def test_section_heading_count_in_traditional_characters() -> None:
    assert section_heading("一、投資便利化（8項）") == ("一、投資便利化（8項）", 8)
    assert section_heading("五、法治創新（11條）") == ("五、法治創新（11條）", 11)
    assert section_heading("三、金融開放創新（5個）") == ("三、金融開放創新（5個）", 5)


def test_agency_in_traditional_characters_resolves_to_the_same_body(resolver) -> None:
    for cell in ["市市場監管局、市稅務局按職責分工負責", "市市場監管局、市税務局按职责分工负责"]:
        refs = split_agencies(cell, "shenzhen", resolver)
        simple = split_agencies(T2S(cell), "shenzhen", resolver)
        assert [(r.canonical, r.level, r.note) for r in refs] == [
            (r.canonical, r.level, r.note) for r in simple
        ]
        assert refs[0].canonical == "深圳市市场监督管理局"
        assert refs[0].note == "按职责分工负责"
        assert refs[0].name_as_printed == cell.split("、")[0]
    # a body the table does not know: named in simplified characters, whatever the printing
    unknown = split_agencies("市數據資源局等各區政府", "shenzhen", resolver)
    assert [r.canonical for r in unknown] == [
        r.canonical for r in split_agencies("市数据资源局等各区政府", "shenzhen", resolver)
    ]
    assert [r.name_as_printed for r in unknown] == ["市數據資源局", "各區政府"]
    noted = split_agencies("市市場監管局按職責分工負責", "shenzhen", resolver)[0]
    assert noted.alias == "市市場監管局"


def test_place_and_scope_in_traditional_characters(resolver) -> None:
    assert resolve_places("廈門、上海浦東", "shenzhen", resolver) == resolve_places(
        "厦门、上海浦东", "shenzhen", resolver
    )
    assert resolve_places("廈門", "shenzhen", resolver)[0] == ("xiamen",)
    places, unknown = resolve_places("臺中", "shenzhen", resolver)
    assert (places, unknown) == ((), ["臺中"])  # unknown names are reported as printed
    assert resolve_scope("全市範圍、全國", resolver) == ("全市", "全国")


@pytest.mark.parametrize(
    ("printed", "date"),
    [
        ("2022年12月底", "2022-12-31"),
        ("2022年12月底前完成", "2022-12-31"),
        ("2023年6月底前完成並持續推進", "2023-06-30"),
        ("2022年底", "2022-12-31"),
        ("已落地，持續鞏固提升", None),
    ],
)
def test_deadline_in_either_script(printed: str, date: str | None) -> None:
    assert deadline_date(printed) == deadline_date(T2S(printed)) == date


# --------------------------------------------------------------------------- the shared form


@given(
    st.text(
        alphabet=st.sampled_from("發展改革委員會試點體制機制創新复覆乾干著着後后AaЁ 　、，"),
        max_size=40,
    )
)
def test_simplified_keeps_length_and_agrees_with_opencc(text: str) -> None:
    out = to_simplified(text)
    assert len(out) == len(text) == len(normalise(text))
    full = T2S(text)
    if len(full) == len(text):
        assert out == full


def test_simplified_fast_path_changes_nothing_opencc_would_change() -> None:
    """Lines without a trigger character skip OpenCC; on the five documents and their
    conversions the result is OpenCC's own."""
    for path in sorted((ROOT / "data" / "raw").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            for text in (line, S2T(line)):
                assert to_simplified(text) == T2S(text)


# --------------------------------------------------------------------------- the graph


def test_graph_keeps_the_printed_text_and_its_simplified_form(converted, resolver) -> None:
    doc = converted["qhsk-ftz-b6"]
    m = next(m for m in doc.measures if m.number == "2")
    s = measure_iri(m.doc_id, m.number, m.part)
    triples = set(
        measure_triples(
            m,
            {x.index: section_iri(m.doc_id, x.index) for x in doc.sections},
            doc.meta.jurisdiction,
        )
    )
    labels = {o for x, p, o in triples if (x, p) == (s, RDFS.label)}
    if is_traditional(m.name.clean):
        assert labels == {
            Literal(m.name.clean, lang="zh-Hant"),
            Literal(m.name.simplified, lang="zh-Hans"),
        }
    else:  # a line the mix left simplified has one literal, as before
        assert len(labels) == 1
    raw = {o for x, p, o in triples if (x, p) == (s, RK.practiceTextRaw)}
    assert raw == {Literal(m.practice.raw, lang="zh-Hant")}  # as printed only
    aliases = {
        str(o)
        for x, p, o in entity_triples([doc], resolver)
        if (x, p) == (agency_iri("深圳市市场监督管理局"), SKOS.altLabel)
    }
    printed = {
        r.alias for x in doc.measures for r in x.lead if r.canonical == "深圳市市场监督管理局"
    }
    assert printed | {to_simplified(a) for a in printed} <= aliases


# --------------------------------------------------------------------------- whole builds


@pytest.fixture(scope="module")
def traditional_build(tmp_path_factory) -> Path:
    from reformkg.graph.pipeline.build import build

    folder = tmp_path_factory.mktemp("traditional-build")
    settings = converted_folder(folder / "data", SCRIPTS["traditional"])
    build(replace(settings, build_dir=folder / "build"))
    return folder / "build"


def _same_form(value: object) -> object:
    """A value of an answer as both builds must agree on it (see the module docstring); the
    parts of a GROUP_CONCAT in any order (SPARQL leaves it to the engine)."""
    if not isinstance(value, str):
        return value
    return "; ".join(sorted(to_simplified(S2T(part)) for part in value.split("; ")))


QUERIES = [q.name for q in list_queries(ROOT / "queries")]
TRADITIONAL_PARAMS = {
    "full-text-search": {"q": "知識產權"},
    "measures-of-agency": {"agency": "深圳市市場監督管理局"},
}


@pytest.mark.parametrize("name", QUERIES)
def test_named_questions_give_the_same_answers(build_dir, traditional_build, name: str) -> None:
    """Each named question with its defaults (and, where it takes a text or a name, that text
    in traditional characters) answers the same rows on both builds, once each."""

    def answer(build: Path, params: dict[str, str] | None) -> Counter[tuple]:
        rows = run_named(open_store(build), name, params, ROOT / "queries", inference=True)
        return Counter(tuple(sorted((k, _same_form(v)) for k, v in r.items())) for r in rows)

    expected = answer(build_dir, None)
    assert expected
    assert answer(traditional_build, None) == expected
    if name in TRADITIONAL_PARAMS:
        got = answer(traditional_build, TRADITIONAL_PARAMS[name])
        assert got == expected


def test_pages_read_the_printed_form(build_dir, traditional_build) -> None:
    original = {f.iri: f for f in measure_fields(open_store(build_dir))}
    printed = {f.iri: f for f in measure_fields(open_store(traditional_build))}
    assert printed.keys() == original.keys()
    for iri, f in printed.items():
        o = original[iri]
        assert (f.name, f.practice, f.effect, f.deadline_text, f.section_label, f.doc_title) == (
            S2T(o.name),
            S2T(o.practice) if o.practice else None,
            S2T(o.effect) if o.effect else None,
            S2T(o.deadline_text) if o.deadline_text else None,
            S2T(o.section_label) if o.section_label else None,
            S2T(o.doc_title),
        ), iri
        assert (f.lead_agencies, f.themes, f.places) == (o.lead_agencies, o.themes, o.places)
    as_of = dt.date(2022, 7, 1)
    old_deadlines = deadlines(open_store(build_dir))
    for iri, d in deadlines(open_store(traditional_build)).items():
        o = old_deadlines[iri]
        assert (d.date, d.text, d.status(as_of)) == (
            o.date,
            o.text and S2T(o.text),
            o.status(as_of),
        )
    old_docs = documents(open_store(build_dir))
    new_docs = documents(open_store(traditional_build))
    assert [(d.iri, d.title, d.short_title) for d in new_docs] == [
        (d.iri, S2T(d.title), S2T(d.short_title)) for d in old_docs
    ]


def test_search_finds_either_script_and_shows_the_printed_form(build_dir, traditional_build):
    original = build_index(open_store(build_dir))
    printed = build_index(open_store(traditional_build))
    assert len(printed) == len(original)
    for query in ["知识产权", "知識產權", "跨境贸易", "商事登記"]:
        a = [(h.entry.iri, h.score) for h in original.search(query)]
        b = [(h.entry.iri, h.score) for h in printed.search(query)]
        assert b == a, query
    hit = printed.search("电子营业执照", kind="measure")[0]
    assert is_traditional(hit.entry.label) and hit.entry.label == S2T(hit.entry.label)
    assert is_traditional(hit.field.text)
    assert URIRef(hit.entry.iri)


@pytest.mark.parametrize("dataset", ["asserted", "all"])
def test_marks_name_exactly_the_properties_printed_in_traditional(
    traditional_build, dataset: str
) -> None:
    """`?s rk:printedInTraditional ?p` holds exactly where `?s ?p` has a @zh-Hant value (the
    named questions remove simplified copies by these marks), in the default dataset and with
    the inferred graph too."""
    store = open_store(traditional_build)
    union = {"use_default_graph_as_union": True} if dataset == "all" else {}
    rows = store.query(
        "SELECT DISTINCT ?s ?p WHERE { ?s ?p ?o FILTER(LANGMATCHES(LANG(?o), 'zh-Hant')) }",
        **union,
    )
    printed = {(s["s"].value, s["p"].value) for s in rows}
    marks = store.query(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s <{RK.printedInTraditional}> ?p }}",
        **union,
    )
    marked = {(s["s"].value, s["p"].value) for s in marks}
    assert len(printed) > 3000, "the converted documents print most texts in traditional"
    assert marked == printed, (len(marked), len(printed))

"""Full-text search (web/search.py): simplified = traditional, ranking, escaping, and the live API.

The unit tests index a small real pyoxigraph store written below; the live tests query the real
server on the session build and check its answers against the parsed records and SPARQL.
"""

from __future__ import annotations

import httpx
import opencc
import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reformkg.graph.query.store import select
from reformkg.graph.read.search import build_index, normalise, snippet_html
from reformkg.vocab import measure_iri

TINY = """
@prefix rk: <https://w3id.org/reformkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/reformkg/graph/doc/t> {
  <https://w3id.org/reformkg/id/doc/t> a rk:Document ; dcterms:title "测试文件"@zh .
  <https://w3id.org/reformkg/id/measure/t/1> a rk:Measure ; rdfs:label "推行电子营业执照"@zh ;
      rk:inDocument <https://w3id.org/reformkg/id/doc/t> ;
      rk:practiceText "企业可免费领取电子印章。"@zh .
  <https://w3id.org/reformkg/id/measure/t/2> a rk:Measure ; rdfs:label "优化海关监管"@zh ;
      rk:inDocument <https://w3id.org/reformkg/id/doc/t> ;
      rk:practiceText "推广电子营业执照在报关环节的应用。"@zh .
  <https://w3id.org/reformkg/id/measure/t/3> a rk:Measure ;
      rdfs:label "<script>alert(1)</script>開立銀行賬戶"@zh ;
      rk:practiceText "對列入英才庫的中小學生進行培育"@zh .
  <https://w3id.org/reformkg/id/measure/t/4> a rk:Measure ; rdfs:label "电子证照互认"@zh .
  <https://w3id.org/reformkg/id/measure/t/5> a rk:Measure ; rdfs:label "营业执照电子化"@zh .
}
<https://w3id.org/reformkg/graph/entities> {
  <https://w3id.org/reformkg/id/agency/x> a rk:Agency ; skos:prefLabel "深圳市市场监督管理局"@zh ;
      skos:altLabel "市市场监管局"@zh .
}
"""
M = "https://w3id.org/reformkg/id/measure/t/"


@pytest.fixture(scope="module")
def tiny_index():
    store = ox.Store()
    store.load(TINY.encode(), format=ox.RdfFormat.TRIG)
    return build_index(store)


def _iris(hits) -> list[str]:
    return [h.entry.iri for h in hits]


@given(st.text(max_size=60))
def test_normalise_keeps_positions(text: str) -> None:
    """Hit positions in normalised text are positions in the original: same length, always."""
    assert len(normalise(text)) == len(text)


def test_traditional_and_simplified_are_alike(tiny_index) -> None:
    simplified = tiny_index.search("开立银行账户")
    traditional = tiny_index.search("開立銀行賬戶")
    assert _iris(simplified)[:1] == [M + "3"] == _iris(traditional)[:1]
    assert _iris(tiny_index.search("中小学生")) == [M + "3"]


def test_name_hit_ranks_above_practice_hit(tiny_index) -> None:
    """t/1 has the phrase in its name, t/2 only in its practice text."""
    hits = tiny_index.search("电子营业执照")
    iris = _iris(hits)
    assert iris[0] == M + "1" and hits[0].field.name == "name"
    second = hits[iris.index(M + "2")]
    assert second.field.name == "practice" and hits[0].score > second.score


def test_exact_phrase_ranks_above_scattered_bigrams(tiny_index) -> None:
    """t/1's name holds 电子营业执照 as printed; t/5's name has 4 of its 5 bigrams, out of order;
    t/4 shares one bigram only (电子), below the half-of-the-bigrams floor."""
    hits = tiny_index.search("电子营业执照")
    iris = _iris(hits)
    assert iris.index(M + "1") < iris.index(M + "5")
    assert hits[0].score > hits[iris.index(M + "5")].score
    assert M + "4" not in iris


def test_aliases_are_searchable(tiny_index) -> None:
    hits = tiny_index.search("市场监管局")
    assert _iris(hits) == ["https://w3id.org/reformkg/id/agency/x"]
    assert hits[0].entry.kind == "agency" and hits[0].field.name == "alias"


def test_no_terms_no_hits(tiny_index) -> None:
    assert tiny_index.search("   ") == []
    assert tiny_index.search("量子纠缠") == []


def test_snippet_escapes_and_marks(tiny_index) -> None:
    hit = tiny_index.search("開立銀行")[0]
    snippet = snippet_html(hit)
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>開立銀行</mark>" in snippet  # the original characters, not the converted ones


def test_results_are_deterministic(tiny_index) -> None:
    assert [(h.entry.iri, h.score) for h in tiny_index.search("电子")] == [
        (h.entry.iri, h.score) for h in tiny_index.search("电子")
    ]


# --------------------------------------------------------------------------- the live server


def _measure_iri(m) -> str:
    return str(measure_iri(m.doc_id, m.number, m.part))


def test_live_search_finds_a_measure_by_its_traditional_name(live_server, parsed_docs) -> None:
    """Convert real measure names to traditional characters; each must come back first."""
    s2t = opencc.OpenCC("s2t")
    measures = [
        m for d in parsed_docs for m in d.measures if s2t.convert(m.name.clean) != m.name.clean
    ]
    assert measures, "the bundled documents have names with convertible characters"
    for m in measures[:: max(1, len(measures) // 8)]:
        query = s2t.convert(m.name.clean)
        body = httpx.get(live_server + "/search", params={"q": query, "format": "json"}).json()
        top = [r for r in body["results"] if r["score"] == body["results"][0]["score"]]
        assert _measure_iri(m) in {r["iri"] for r in top}, (query, body["results"][:3])
        assert body["normalised"] == normalise(query)


def test_live_search_set_equals_sparql_contains(live_server, store) -> None:
    """For a two-character term (no partial matching), the measures found are exactly those whose
    name, practice or effect text contains it, by SPARQL CONTAINS; traditional input alike."""
    rows = select(
        store,
        """PREFIX rk: <https://w3id.org/reformkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?m WHERE { ?m a rk:Measure .
          { ?m rdfs:label ?t } UNION { ?m rk:practiceText ?t } UNION { ?m rk:effectText ?t }
          FILTER(CONTAINS(?t, "海关")) }""",
    )
    expected = {r["m"] for r in rows}
    assert len(expected) >= 2
    for q in ("海关", "海關"):
        body = httpx.get(
            live_server + "/search",
            params={"q": q, "kind": "measure", "limit": 500, "format": "json"},
        ).json()
        assert {r["iri"] for r in body["results"]} == expected
        assert all("<mark>" in r["snippet"] for r in body["results"])


def test_live_search_ranks_name_hits_first(live_server, store) -> None:
    rows = select(
        store,
        """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX rk: <https://w3id.org/reformkg/ontology#>
        SELECT DISTINCT ?m WHERE {
          ?m a rk:Measure ; rdfs:label ?l FILTER(CONTAINS(?l, "知识产权")) }""",
    )
    in_names = {r["m"] for r in rows}
    body = httpx.get(
        live_server + "/search",
        params={"q": "知识产权", "kind": "measure", "limit": 500},
        headers={"Accept": "application/json"},
    ).json()
    ranked = [r["iri"] for r in body["results"]]
    assert in_names and set(ranked[: len(in_names)]) == in_names
    assert len(ranked) > len(in_names)  # practice-text hits follow


def test_live_search_html_escapes_the_query(live_server) -> None:
    resp = httpx.get(live_server + "/search", params={"q": "<script>alert(1)</script> 一窗通"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in resp.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text
    assert "<mark>一窗通</mark>" in resp.text

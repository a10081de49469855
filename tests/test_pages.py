"""Resource pages, content negotiation, 404s, static files and escaping, on the real server.

Expected values come from the parsed records (names, agencies, line ranges) and from the raw
text files, or from SPARQL on the session store: never from the page code under test.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from conftest import start_server
from rdflib.compare import isomorphic

from reformkg.graph.pipeline.store import store_from_dataset
from reformkg.graph.query.store import select
from reformkg.graph.read.measure_page import printed_line
from reformkg.graph.read.resources import iri_from_local_path, local_href
from reformkg.vocab import ID, agency_iri, document_iri, measure_iri

RK = "https://w3id.org/reformkg/ontology#"
HREF = re.compile(r'href="(/(?:id/|resource\?iri=)[^"]*)"')


def _iri(m) -> str:
    return str(measure_iri(m.doc_id, m.number, m.part))


def _local(iri: str) -> str:
    return local_href(iri)


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def sample_measure(parsed_docs):
    """A measure with lead and responsible agencies and a multi-line source range."""
    for doc in parsed_docs:
        for m in doc.measures:
            if m.lead and m.responsible and m.line_end > m.line_start and m.deadline_text:
                return m
    pytest.fail("no measure with agencies, deadline and a line range in the bundled documents")


def raw_lines(settings, file: str, start: int, end: int) -> list[str]:
    """The printed lines, read the way the build reads them (UTF-8, BOM dropped, split on \\n)."""
    text = (settings.data_dir / "raw" / file).read_bytes().decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[start - 1 : end]


# --------------------------------------------------------------------------- IRIs resolve


def test_every_data_iri_maps_to_a_local_path_and_back(store) -> None:
    """For every IRI under id/ in the graph, the local URL leads back to the same IRI, whether
    the server sees the path percent-encoded or decoded."""
    rows = select(
        store,
        f"""SELECT DISTINCT ?x WHERE {{
        {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{ID}")) }}""",
    )
    iris = [r["x"] for r in rows]
    assert len(iris) > 1000
    for iri in iris:
        path = _local(iri).removeprefix("/id/")
        assert iri_from_local_path(path) == iri
        assert iri_from_local_path(quote(unquote(path), safe="/")) == iri


def test_measure_page_shows_its_record(client, settings, sample_measure) -> None:
    m = sample_measure
    resp = client.get(_local(_iri(m)), headers={"Accept": "text/html"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert html.escape(m.name.clean, quote=False) in page
    for ref in (*m.lead, *m.responsible):
        assert f'href="{_local(str(agency_iri(ref.canonical)))}"' in page, ref.canonical
        assert ref.canonical in page
    assert html.escape(m.deadline_text) in page
    for line in raw_lines(settings, m.source_file, m.line_start, m.line_end):
        assert html.escape(printed_line(line), quote=False) in page  # markup-free, as printed
    assert f"{m.source_file}，第 {m.line_start}–{m.line_end} 行" in page
    assert f'href="{_local(str(document_iri(m.doc_id)))}"' in page
    assert "/viz/evolution?measure=" + quote(_iri(m), safe="") in page


def test_every_link_on_a_measure_page_resolves(client, sample_measure) -> None:
    page = client.get(_local(_iri(sample_measure))).text
    links = sorted({html.unescape(h) for h in HREF.findall(page)})
    assert len(links) >= 10
    for link in links:
        resp = client.get(link)
        assert resp.status_code == 200, link


def test_related_measures_match_the_links_graph(client, store) -> None:
    """The measure with most qualified links lists every linked measure, with the link's score."""
    rows = select(
        store,
        f"""PREFIX rk: <{RK}>
        SELECT ?m (COUNT(DISTINCT ?l) AS ?n) WHERE {{ ?l a rk:MeasureLink ; rk:linkSource ?m }}
        GROUP BY ?m ORDER BY DESC(?n) ?m LIMIT 1""",
    )
    assert rows, "the build links measures across batches"
    m = rows[0]["m"]
    links = select(
        store,
        f"""PREFIX rk: <{RK}>
        SELECT ?m ?other ?score WHERE {{ ?l a rk:MeasureLink ; rk:linkScore ?score .
          {{ ?l rk:linkSource ?m ; rk:linkTarget ?other }} UNION
          {{ ?l rk:linkTarget ?m ; rk:linkSource ?other }} }}""",
        {"m": ox.NamedNode(m)},
    )
    page = client.get(_local(m)).text
    related = page.split('id="cross-batch"', 1)[1].split("</section>", 1)[0]
    for row in links:
        assert f'href="{_local(row["other"])}"' in related
        assert f"{row['score']:.3f}" in related


def test_agency_page_lists_its_measures(client, parsed_docs) -> None:
    by_agency: dict[str, set[str]] = {}
    for doc in parsed_docs:
        for m in doc.measures:
            for ref in (*m.lead, *m.responsible):
                by_agency.setdefault(ref.canonical, set()).add(_iri(m))
    name, measures = max(by_agency.items(), key=lambda kv: (len(kv[1]), kv[0]))
    raw = "/id/agency/" + quote(name)  # percent-encoded, as a browser sends it
    resp = client.get(raw)
    assert resp.status_code == 200
    assert client.get(_local(str(agency_iri(name)))).text == resp.text
    section = resp.text.split('id="agency-measures"', 1)[1].split("</table>", 1)[0]
    listed = re.findall(r'href="(/id/measure/[^"]+)"', section)
    assert set(listed) == {_local(i) for i in measures}
    assert len(listed) == len(measures)  # each measure once, whatever its roles
    assert "/viz/agencies?agency=" + quote(str(agency_iri(name)), safe="") in resp.text


def test_document_page_lists_sections_and_measures(client, parsed_docs) -> None:
    doc = max(parsed_docs, key=lambda d: len(d.sections))
    page = client.get(_local(str(document_iri(doc.meta.doc_id)))).text
    contents = page.split("章节与举措", 1)[1].split("</section>", 1)[0]
    assert set(re.findall(r'href="(/id/measure/[^"]+)"', contents)) == {
        _local(_iri(m)) for m in doc.measures
    }
    for section in doc.sections:
        assert html.escape(section.title, quote=False) in contents


def test_measure_page_names_theme_evidence_fields_in_the_documents_terms(client, store) -> None:
    """A theme's evidence names the field it was read from as the document's column, Chinese
    first (主要内容/创新做法 practice), not as the tagger's key alone."""
    rows = select(
        store,
        "SELECT ?m ?f WHERE { ?m <https://w3id.org/reformkg/ontology#themeAssignment> ?a . "
        '?a <https://w3id.org/reformkg/ontology#matchedField> ?f FILTER(STR(?f) = "practice") } '
        "ORDER BY ?m LIMIT 1",
    )
    assert rows, "no theme was read from a practice text"
    page = client.get(_local(str(rows[0]["m"])), headers={"Accept": "text/html"}).text
    assert "主要内容/创新做法 practice" in page


def test_theme_page_shows_hierarchy_and_measures(client, store) -> None:
    rows = select(
        store,
        f"""PREFIX rk: <{RK}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?t (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m rk:hasTheme ?t . ?t skos:broader ?b }}
        GROUP BY ?t ORDER BY DESC(?n) ?t LIMIT 1""",
    )
    assert rows
    theme = rows[0]["t"]
    broader = select(
        store,
        "SELECT ?t ?b WHERE { ?t <http://www.w3.org/2004/02/skos/core#broader> ?b }",
        {"t": ox.NamedNode(theme)},
    )
    page = client.get(_local(theme)).text
    section = page.split("此主题的举措", 1)[1].split("</section>", 1)[0]
    assert f"（{rows[0]['n']}）" in section
    assert len(set(re.findall(r'href="(/id/measure/[^"]+)"', section))) == rows[0]["n"]
    for row in broader:
        assert f'href="{_local(row["b"])}"' in page


# --------------------------------------------------------------------------- content negotiation


def _cbd_size(store, iri: str) -> int:
    """Distinct asserted triples of the resource, its practice points, theme assignments and
    agency roles, and its links across batches, inferred ones included (rk:evolvesInto)."""
    rows = select(
        store,
        f"""PREFIX rk: <{RK}>
        SELECT DISTINCT ?m ?s ?p ?o WHERE {{
          {{ GRAPH ?g {{ ?m ?p ?o }} BIND(?m AS ?s) }}
          UNION {{ ?m rk:hasPracticePoint ?s . GRAPH ?g {{ ?s ?p ?o }} }}
          UNION {{ ?m rk:themeAssignment ?s . GRAPH ?g {{ ?s ?p ?o }} }}
          UNION {{ ?m rk:agencyRole ?s . GRAPH ?g {{ ?s ?p ?o }} }}
          FILTER(?g != <https://w3id.org/reformkg/graph/inferred>
                 || ?p IN (rk:evolvesFrom, rk:evolvesInto, rk:sameReformAs, rk:relatedTo)) }}""",
        {"m": ox.NamedNode(iri)},
    )
    return len(rows)


def test_turtle_and_jsonld_by_content_negotiation(client, store, sample_measure) -> None:
    iri = _iri(sample_measure)
    ttl = client.get(_local(iri), headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200 and ttl.headers["content-type"].startswith("text/turtle")
    assert "Accept" in ttl.headers.get("vary", "")
    g_ttl = rdflib.Graph().parse(data=ttl.text, format="turtle")
    label = rdflib.Literal(sample_measure.name.clean, lang="zh-Hans")
    assert (rdflib.URIRef(iri), rdflib.RDFS.label, label) in g_ttl
    assert len(g_ttl) == _cbd_size(store, iri)
    points = list(g_ttl.objects(rdflib.URIRef(iri), rdflib.URIRef(RK + "hasPracticePoint")))
    assert len(points) == len(sample_measure.practice_points)
    for point in points:
        assert (point, rdflib.URIRef(RK + "text"), None) in g_ttl

    jsonld = client.get(_local(iri), headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert isomorphic(rdflib.Graph().parse(data=jsonld.text, format="json-ld"), g_ttl)
    by_param = client.get(_local(iri) + "?format=ttl", headers={"Accept": "text/html"})
    assert by_param.text == ttl.text
    # the project's prefixes, data IRIs included (id:measure\/…), and a compacted JSON-LD
    assert "@prefix id: <https://w3id.org/reformkg/id/> ." in ttl.text
    assert f"<{iri}>" not in ttl.text and "id:measure\\/" in ttl.text
    document = jsonld.json()
    context = client.get("/context.jsonld").json()["@context"]
    assert document["@context"] == context and context["rk"] == RK
    assert any(node["@id"] == "id:" + iri.removeprefix(ID) for node in document["@graph"])


def test_the_earlier_measure_states_its_later_version(client) -> None:
    """Both directions of a link across batches: the earlier measure's Turtle carries the
    inferred rk:evolvesInto that only the later measure states."""
    ttl = client.get("/id/measure/sz-bizenv-2022-b1/47", headers={"Accept": "text/turtle"}).text
    assert "rk:evolvesInto id:measure\\/ccr-typical-2024\\/8" in ttl


def test_browser_accept_header_gets_html(client, sample_measure) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    resp = client.get(_local(_iri(sample_measure)), headers={"Accept": accept})
    assert resp.headers["content-type"].startswith("text/html")


def test_ontology_terms_and_graphs_resolve_via_resource(client, store) -> None:
    """Terms outside id/ resolve by ?iri=, with how much of the data they cover."""
    measures = len(select(store, f"SELECT DISTINCT ?m WHERE {{ ?m a <{RK}Measure> }}"))
    resp = client.get("/resource", params={"iri": RK + "Measure"})
    assert resp.status_code == 200
    assert "rk:Measure" in resp.text
    assert f"<strong>{measures}</strong> 个实例" in resp.text  # resources of this class
    leads = len(select(store, f"SELECT ?s ?o WHERE {{ ?s <{RK}leadAgency> ?o }}"))
    page = client.get("/resource", params={"iri": RK + "leadAgency"}).text
    assert f"<strong>{leads}</strong> 条陈述使用此属性" in page  # statements use it
    graph = "https://w3id.org/reformkg/graph/links"
    size = len(select(store, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    assert (
        f"命名图，<strong>{size}</strong> 条三元组"
        in client.get("/resource", params={"iri": graph}).text
    )


def test_head_and_link_header(client, sample_measure) -> None:
    url = _local(_iri(sample_measure))
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    link = client.get(url).headers["link"]
    assert 'rel="alternate"; type="text/turtle"' in link
    assert 'type="application/ld+json"' in link


def test_unknown_iri_is_a_readable_404(client) -> None:
    resp = client.get("/id/measure/no-such-doc/999", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
    assert (
        "Not found" in resp.text
        and "https://w3id.org/reformkg/id/measure/no-such-doc/999" in resp.text
    )
    assert (
        client.get("/id/measure/no-such-doc/999", headers={"Accept": "text/turtle"}).status_code
        == 404
    )
    evil = client.get("/resource", params={"iri": "<script>alert(1)</script>"})
    assert evil.status_code == 404 and "<script>alert(1)</script>" not in evil.text


# --------------------------------------------------------------------------- static files, no CDN


def test_static_assets_are_local(client) -> None:
    page = client.get("/").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for name in ("style.css", "editor.js", "query.js"):
        resp = client.get(f"/static/{name}")
        assert resp.status_code == 200
        assert not re.search(r"(?:src|href|url)\s*[=(]\s*['\"]?(?:https?:)?//", resp.text), name
    assert "Noto Sans CJK SC" in client.get("/static/style.css").text
    assert client.get("/static/%2e%2e/pages.py").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404


# --------------------------------------------------------------------------- escaping


EVIL = "https://w3id.org/reformkg/id/measure/evil/1"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def evil_server(build_dir: Path, tmp_path_factory):
    """The session build plus one measure whose texts are HTML, on a server of its own."""
    from reformkg.build_files import seal

    evil_dir = tmp_path_factory.mktemp("evil-build") / "build"
    shutil.copytree(build_dir, evil_dir)
    g = "<https://w3id.org/reformkg/graph/doc/evil>"
    quads = [
        f"<{EVIL}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{RK}Measure> {g} .",
        f'<{EVIL}> <{RDFS_LABEL}> "<script>alert(1)</script>開立銀行"@zh {g} .',
        f'<{EVIL}> <{RK}practiceText> "<img src=x onerror=alert(2)>"@zh {g} .',
        f'<{EVIL}> <{RK}sourceFile> "../../../etc/passwd" {g} .',
        f'<{EVIL}> <{RK}lineStart> "1"^^<http://www.w3.org/2001/XMLSchema#integer> {g} .',
        f'<{EVIL}> <{RK}lineEnd> "3"^^<http://www.w3.org/2001/XMLSchema#integer> {g} .',
    ]
    with (evil_dir / "dataset.nq").open("a", encoding="utf-8") as f:
        f.write("\n".join(quads) + "\n")
    store_from_dataset(evil_dir)
    seal(evil_dir)  # a build changed by hand is sealed again, or the app refuses it
    proc, base = start_server(evil_dir)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_data_is_escaped_everywhere(evil_server) -> None:
    page = httpx.get(evil_server + "/id/measure/evil/1").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;開立銀行" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "root:" not in page  # the source file name from the data never leaves data/raw
    found = httpx.get(evil_server + "/search", params={"q": "开立银行", "format": "json"}).json()
    hit = next(r for r in found["results"] if r["iri"] == EVIL)
    assert "<script>" not in hit["snippet"] and "<mark>開立銀行</mark>" in hit["snippet"]
    search_page = httpx.get(evil_server + "/search", params={"q": "开立银行"}).text
    assert "<script>alert(1)" not in search_page

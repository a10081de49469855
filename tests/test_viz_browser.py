"""The graph views in a real browser: Debian chromium (Playwright) against the real uvicorn app.

Node and edge counts are read back from the page (window.reformkgStats and vis-network's own
DataSets) and compared with counts computed here by independent SPARQL on the same build, with
the same filter written out by hand. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import httpx
import pytest

from reformkg.graph.pipeline.store import store_from_dataset
from reformkg.graph.query.store import select

pytestmark = pytest.mark.browser

P = """PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
ID = "https://w3id.org/reformkg/id/"


def _one(store, query: str) -> int:
    return int(select(store, P + query)[0]["n"])


def expected_counts(store, view: str, where: str = "") -> tuple[int, int]:
    """(nodes, edges) a view should draw, by SPARQL; ``where`` restricts ?m (the measures)."""
    m = f"?m a rk:Measure . {where}"
    if view == "agencies":
        nodes = _one(
            store,
            f"""SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ {m}
            ?m rk:leadAgency|rk:responsibleAgency ?a }}""",
        )
        edges = _one(
            store,
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?a ?b WHERE {{
            {m} ?m rk:leadAgency|rk:responsibleAgency ?a , ?b . FILTER(STR(?a) < STR(?b)) }} }}""",
        )
    elif view == "evolution":
        # the measures passing the filter, and every version of the lineages they are in
        shown = f"""{{ {m} BIND(?m AS ?v) }} UNION {{ {m} ?r rk:hasVersion ?m , ?v }}"""
        nodes = _one(store, f"SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {shown} }}")
        edges = _one(
            store,
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?x ?y ?r WHERE {{
            {{ SELECT DISTINCT ?v WHERE {{ {shown} }} }}
            {{ ?v rk:evolvesFrom ?w BIND(?v AS ?x) BIND(?w AS ?y) BIND("e" AS ?r) }}
            UNION {{ ?v rk:sameReformAs ?w BIND(IF(STR(?v) < STR(?w), ?v, ?w) AS ?x)
                     BIND(IF(STR(?v) < STR(?w), ?w, ?v) AS ?y) BIND("s" AS ?r) }}
            ?w a rk:Measure . }} }}""",
        )
    else:
        measures = _one(store, f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ {m} }}")
        themes = _one(
            store,
            f"""SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ {m}
            ?m rk:hasTheme/skos:broader* ?t }}""",
        )
        places = _one(
            store,
            f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {m}
            ?m rk:sourcePlace|rk:jurisdiction ?p }}""",
        )
        nodes = measures + themes + places
        broader = _one(
            store,
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?t ?b WHERE {{
            ?t skos:broader ?b . FILTER EXISTS {{ {m} ?m rk:hasTheme/skos:broader* ?t }}
            FILTER EXISTS {{ {m} ?m rk:hasTheme/skos:broader* ?b }} }} }}""",
        )
        has = _one(
            store,
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?m ?t WHERE {{
            {m} ?m rk:themeAssignment/rk:assignedTheme ?t }} }}""",
        )
        at = _one(
            store,
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?m ?p WHERE {{
            {m} ?m rk:sourcePlace|rk:jurisdiction ?p }} }}""",
        )
        edges = broader + has + at
    return nodes, edges


def open_view(page, url: str) -> dict:
    """Load a view, wait until it says it is drawn, and read back what it drew."""
    page.goto(url)
    page.wait_for_function("() => window.reformkgReady === true", timeout=20_000)
    return page.evaluate("""() => ({
        stats: window.reformkgStats,
        nodes: window.reformkgNetwork.body.data.nodes.length,
        edges: window.reformkgNetwork.body.data.edges.length})""")


def click_node(page, node_id: str) -> None:
    """Click a node where it is drawn (canvas position → page position)."""
    box = page.locator("#rk-network").bounding_box()
    xy = page.evaluate(
        """(id) => { const n = window.reformkgNetwork;
        n.focus(id, {scale: 1.5, animation: false});
        const p = n.getPositions([id])[id]; return n.canvasToDOM(p); }""",
        node_id,
    )
    page.wait_for_timeout(100)
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])


VIEWS = ["agencies", "evolution", "themes"]
FILTERED = {
    "agencies": ("doc=qhsk-ftz-b6", f"?m rk:inDocument <{ID}doc/qhsk-ftz-b6> ."),
    "evolution": ("theme=finance", f"?m rk:hasTheme/skos:broader* <{ID}theme/finance> ."),
    "themes": (
        "place=xiamen",
        f"?m (rk:sourcePlace|rk:jurisdiction)/rk:withinPlace* <{ID}place/xiamen> .",
    ),
}


@pytest.mark.parametrize("view", VIEWS)
def test_view_draws_what_sparql_counts(view, live_server, page, store, artifacts):
    got = open_view(page, f"{live_server}/viz/{view}")
    nodes, edges = expected_counts(store, view)
    assert nodes > 0 and edges > 0
    assert (got["stats"]["nodes"], got["stats"]["edges"]) == (nodes, edges)
    assert (got["nodes"], got["edges"]) == (nodes, edges)
    page.screenshot(path=str(artifacts / f"viz-{view}.png"))
    assert page.console_errors == []


@pytest.mark.parametrize("view", VIEWS)
def test_url_filter_changes_what_is_drawn(view, live_server, page, store, artifacts):
    query, where = FILTERED[view]
    got = open_view(page, f"{live_server}/viz/{view}?{query}")
    expected = expected_counts(store, view, where)
    assert (got["stats"]["nodes"], got["stats"]["edges"]) == expected
    assert (got["nodes"], got["edges"]) == expected
    assert expected != expected_counts(store, view), "the filter must change the drawing"
    assert query.split("=")[1] in page.locator("#rk-notices").inner_text()
    page.screenshot(path=str(artifacts / f"viz-{view}-filtered.png"))
    assert page.console_errors == []


def test_click_on_agency_opens_its_panel_with_links(live_server, page, store, artifacts):
    open_view(page, f"{live_server}/viz/agencies")
    top = select(
        store,
        P
        + """SELECT ?a ?l (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a . ?a skos:prefLabel ?l }
        GROUP BY ?a ?l ORDER BY DESC(?n) ?a LIMIT 1""",
    )[0]
    assert page.locator("#rk-panel").is_hidden()
    click_node(page, top["a"])
    panel = page.locator("#rk-panel")
    panel.wait_for(state="visible")
    assert panel.locator("h2").inner_text() == top["l"]
    links = panel.locator("ol a[href^='/id/measure/']")
    assert links.count() == min(top["n"], 80)
    page.screenshot(path=str(artifacts / "viz-agencies-panel.png"))
    href = links.first.get_attribute("href")
    assert httpx.get(live_server + href).status_code == 200
    assert page.console_errors == []


def test_click_on_linked_measure_shows_the_text_difference(live_server, page, store, artifacts):
    open_view(page, f"{live_server}/viz/evolution")
    row = select(
        store,
        P
        + """SELECT ?a ?b WHERE { ?a a rk:Measure ; rk:evolvesFrom ?b .
        ?b a rk:Measure } ORDER BY ?a ?b LIMIT 1""",
    )[0]
    click_node(page, row["a"])
    panel = page.locator("#rk-panel")
    panel.wait_for(state="visible")
    diff = panel.locator(".rk-diff")
    assert diff.count() == 2  # names, then practice texts
    assert diff.locator("del, ins").count() > 0
    page.screenshot(path=str(artifacts / "viz-evolution-diff.png"))
    assert page.console_errors == []


def test_filter_form_controls_submit_as_url_parameters(live_server, page, store):
    open_view(page, f"{live_server}/viz/agencies")
    page.select_option("#rk-filters select[name=doc]", "qhsk-ftz-b6")
    page.click("#rk-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*doc=qhsk-ftz-b6.*"))
    page.wait_for_function("() => window.reformkgReady === true")
    stats = page.evaluate("window.reformkgStats")
    where = f"?m rk:inDocument <{ID}doc/qhsk-ftz-b6> ."
    assert (stats["nodes"], stats["edges"]) == expected_counts(store, "agencies", where)
    assert page.locator("#rk-filters select[name=doc]").input_value() == "qhsk-ftz-b6"


def test_workload_table_sorts_by_any_column(live_server, page, store, artifacts):
    """/workload (web/workbench.py, docs/workbench.md): one row per agency, sortable."""
    page.goto(f"{live_server}/workload")
    page.wait_for_selector("html[data-tables-ready=true]")
    agencies = _one(
        store,
        """SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a }""",
    )
    assert page.locator("#workload-table tbody tr").count() == agencies
    headers = page.locator("#workload-table th")
    texts = [" ".join(headers.nth(i).inner_text().split()) for i in range(headers.count())]
    col = texts.index("牵头 Led")
    cells = f"#workload-table tbody tr td:nth-child({col + 1})"
    headers.nth(col).locator("button").click()
    values = [int(c) for c in page.locator(cells).all_inner_texts()]
    assert values == sorted(values)
    assert headers.nth(col).get_attribute("aria-sort") == "ascending"
    headers.nth(col).locator("button").click()
    values = [int(c) for c in page.locator(cells).all_inner_texts()]
    assert values == sorted(values, reverse=True)
    page.screenshot(path=str(artifacts / "viz-workload-table.png"))
    assert page.console_errors == []


def test_pages_load_nothing_from_other_hosts(live_server, page):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for view in VIEWS:
        html = httpx.get(f"{live_server}/viz/{view}").text
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
        open_view(page, f"{live_server}/viz/{view}")
    assert requested and all(u.startswith(live_server) for u in requested)
    js = httpx.get(f"{live_server}/viz/assets/vis-network.min.js")
    assert js.status_code == 200 and "vis-network" in js.text[:400]
    assert httpx.get(f"{live_server}/viz/assets/..%2Fapp.py").status_code == 404


def test_json_api_matches_the_drawn_network(live_server, store):
    net = httpx.get(f"{live_server}/api/network", params={"doc": "qhsk-ftz-b6"}).json()
    where = f"?m rk:inDocument <{ID}doc/qhsk-ftz-b6> ."
    assert (len(net["nodes"]), len(net["edges"])) == expected_counts(store, "agencies", where)
    assert {"degree", "betweenness", "community"} <= set(net["nodes"][0])
    work = httpx.get(f"{live_server}/api/workload").json()
    led = _one(
        store,
        """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?m ?a WHERE {
        ?m a rk:Measure ; rk:leadAgency ?a } }""",
    )
    assert sum(r["led"] for r in work["agencies"]) == led
    assert len(work["busiest"]) == 10


# --------------------------------------------------------------------------- escaping

EVIL_TRIG = """\
@prefix rk: <https://w3id.org/reformkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/reformkg/id/> .
@prefix g: <https://w3id.org/reformkg/graph/> .
g:entities {
  id:agency\\/X a rk:Agency ; skos:prefLabel "<b>局</b>&amp;"@zh ; rk:level rk:CityLevel .
  id:agency\\/Y a rk:CollectiveAgency ; skos:prefLabel "各区政府"@zh ; rk:level rk:CollectiveLevel .
  id:place\\/p a rk:Place ; rdfs:label "<u>地</u>"@zh .
}
g:themes {
  id:theme\\/t a skos:Concept ; skos:prefLabel "<i>主题</i>"@zh .
  id:measure\\/d2\\/1 rk:hasTheme id:theme\\/t .
}
g:links { id:measure\\/d2\\/1 rk:evolvesFrom id:measure\\/d1\\/1 . }
g:doc\\/d1 {
  id:doc\\/d1 a rk:Document ; dcterms:title "<script>window.pwned=5</script>"@zh ; rk:batchOrder 1 .
  id:measure\\/d1\\/1 a rk:Measure ; rdfs:label "<script>window.pwned=1</script>"@zh ;
    rk:inDocument id:doc\\/d1 ; rk:practiceText "<img src=x onerror=window.pwned=2>旧"@zh ;
    rk:leadAgency id:agency\\/X ; rk:responsibleAgency id:agency\\/Y ; rk:sourcePlace id:place\\/p .
}
g:doc\\/d2 {
  id:doc\\/d2 a rk:Document ; dcterms:title "二"@zh ; rk:batchOrder 2 .
  id:measure\\/d2\\/1 a rk:Measure ; rdfs:label "</script><script>window.pwned=3</script>"@zh ;
    rk:inDocument id:doc\\/d2 ; rk:practiceText "<img src=x onerror=window.pwned=4>新"@zh ;
    rk:leadAgency id:agency\\/X , id:agency\\/Y ; rk:sourcePlace id:place\\/p .
}
"""
EVIL = {"m1": f"{ID}measure/d1/1", "m2": f"{ID}measure/d2/1", "x": f"{ID}agency/X"}
EVIL_LABELS = {
    EVIL["m1"]: "<script>window.pwned=1</script>",
    EVIL["m2"]: "</script><script>window.pwned=3</script>",
    EVIL["x"]: "<b>局</b>&amp;",
}


@pytest.fixture(scope="session")
def evil_build(tmp_path_factory):
    """A tiny build whose labels and texts are HTML: they must show as text, never run."""
    import pyoxigraph as ox

    from reformkg.build_files import seal

    folder = tmp_path_factory.mktemp("evil-build")
    store = ox.Store()
    store.load(EVIL_TRIG.encode(), format=ox.RdfFormat.TRIG)
    store.dump(output=str(folder / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    store_from_dataset(folder)
    seal(folder)  # what a build does last: the app opens only a sealed build
    return folder


def check_escaped(page, view: str, artifacts, name: str) -> None:
    """No injected script ran, no injected element exists, and labels read back exactly."""
    assert page.evaluate("window.pwned") is None
    assert page.locator("#rk-panel-body img, #rk-panel-body b, body > b").count() == 0
    node = {"agencies": EVIL["x"], "evolution": EVIL["m2"], "themes": EVIL["m1"]}[view]
    page.evaluate("(id) => window.reformkgShow(id)", node)
    title = page.locator("#rk-panel h2").inner_text()
    assert title == EVIL_LABELS[node]
    if view == "evolution":
        assert "<img src=x onerror=window.pwned=4>新" in page.locator("#rk-panel").inner_text()
    assert page.evaluate("window.pwned") is None
    assert page.locator("#rk-panel img, #rk-panel script").count() == 0
    labels = page.evaluate(
        "() => window.reformkgNetwork.body.data.nodes.get().map(n => n.title || '')"
    )
    assert any(EVIL_LABELS[node] in t for t in labels)
    page.screenshot(path=str(artifacts / name))
    assert page.console_errors == []


@pytest.mark.parametrize("view", VIEWS)
def test_labels_from_the_data_are_escaped(view, evil_server, page, artifacts):
    got = open_view(page, f"{evil_server}/viz/{view}")
    assert got["nodes"] >= 2
    check_escaped(page, view, artifacts, f"viz-{view}-escaped.png")
    html = httpx.get(f"{evil_server}/viz/{view}").text
    assert "<script>window.pwned" not in html


@pytest.fixture(scope="module")
def evil_server(evil_build):
    from conftest import start_server

    proc, base = start_server(evil_build)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_overview_names_the_busiest_agency_and_the_collective_share(live_server, page, store):
    page.goto(f"{live_server}/viz")
    top = select(
        store,
        P
        + """SELECT ?l (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a . ?a skos:prefLabel ?l }
        GROUP BY ?a ?l ORDER BY DESC(?n) ?l LIMIT 1""",
    )[0]
    first = page.locator("table.rk-table tbody tr").first.locator("td")
    assert first.nth(0).inner_text() == top["l"]
    assert int(first.nth(4).inner_text()) == top["n"]
    entries = _one(
        store,
        """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?m ?a ?r WHERE {
        ?m a rk:Measure . { ?m rk:leadAgency ?a BIND(1 AS ?r) }
        UNION { ?m rk:responsibleAgency ?a BIND(2 AS ?r) } } }""",
    )
    assert f"/ {entries} " in page.locator("body").inner_text()
    for view in VIEWS:
        assert page.locator(f"a[href='/viz/{view}']").count() >= 1
    assert page.console_errors == []

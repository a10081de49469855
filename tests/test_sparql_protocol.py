"""The SPARQL 1.1 Protocol query operation at /sparql, over real HTTP on uvicorn.

Clients: httpx, and SPARQLWrapper as an independent client. Expected figures are derived from
independent sources: the parser's records (parsed_docs) and rdflib reading the build files,
never from the endpoint itself. A second uvicorn with tiny limits checks the timeout (the
worker process is really killed), the row cap and the request-size limit.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import socket
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
import rdflib

from reformkg.vocab import GRAPH, INFERRED_GRAPH, RK

HERE = Path(__file__).resolve().parent
CASES = json.loads((HERE / "data" / "w3c-protocol" / "cases.json").read_text(encoding="utf-8"))
PREFIX = "PREFIX rk: <https://w3id.org/reformkg/ontology#>\n"
COUNT_MEASURES = PREFIX + "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a rk:Measure }"


def sparql(
    base: str, query: str, *, accept: str = "application/sparql-results+json", **params
) -> httpx.Response:
    return httpx.get(
        f"{base}/sparql", params={"query": query, **params}, headers={"Accept": accept}, timeout=30
    )


def value(response: httpx.Response, var: str = "n") -> str:
    bindings = response.json()["results"]["bindings"]
    return bindings[0][var]["value"]


# --------------------------------------------------------------------------- W3C cases


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_w3c_protocol_case(live_server: str, case: dict) -> None:
    """One W3C SPARQL 1.1 Protocol query-operation test (tests/data/w3c-protocol/README.md)."""
    headers = {}
    if case.get("content_type"):
        headers["Content-Type"] = case["content_type"]
    body = case.get("body")
    content = body.encode(case.get("body_encoding", "utf-8")) if body is not None else None
    response = httpx.request(
        case["method"],
        f"{live_server}/sparql",
        params=case.get("params"),
        content=content,
        headers=headers,
        timeout=30,
    )
    expect = case["expect"]
    if "status" in expect:
        assert response.status_code == expect["status"], response.text
        kind = response.headers["content-type"].split(";")[0]
        assert kind in expect["content_types"]
        if "boolean" in expect:
            assert response.json()["boolean"] is expect["boolean"]
    else:
        assert response.status_code // 100 == expect["status_class"], response.text
        error = response.json()["error"]
        assert error["status"] == response.status_code and error["message"]


# --------------------------------------------------------------------------- answers


def test_measure_count_matches_the_parser(live_server: str, parsed_docs) -> None:
    expected = sum(len(d.measures) for d in parsed_docs)
    assert int(value(sparql(live_server, COUNT_MEASURES))) == expected


def test_chinese_labels_come_back_exact(live_server: str, parsed_docs) -> None:
    measure = parsed_docs[0].measures[0]
    from reformkg.vocab import measure_iri

    iri = measure_iri(measure.doc_id, measure.number, measure.part)
    response = sparql(live_server, f"SELECT ?l WHERE {{ <{iri}> <{RK.nameRaw}> ?l }}")
    assert value(response, "l") == measure.name.raw


def test_default_graph_is_the_union_of_the_asserted_graphs(
    live_server: str, build_dir: Path
) -> None:
    """dataset.ttl is written as the union of the asserted graphs: rdflib counts it."""
    union = rdflib.Graph().parse(build_dir / "dataset.ttl", format="turtle")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(value(sparql(live_server, count))) == len(union)
    inferred = rdflib.Dataset()
    inferred.parse(build_dir / "dataset.nq", format="nquads")
    n_inferred = len(inferred.graph(rdflib.URIRef(str(INFERRED_GRAPH))))
    with_inference = int(value(sparql(live_server, count, inference="true")))
    assert with_inference == len(union) + n_inferred


def test_protocol_dataset_chooses_the_graphs(live_server: str, build_dir: Path) -> None:
    trig = rdflib.Dataset()
    trig.parse(build_dir / "dataset.trig", format="trig")
    entities = str(GRAPH["entities"])
    expected = len(trig.graph(rdflib.URIRef(entities)))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    got = sparql(live_server, count, **{"default-graph-uri": entities})
    assert int(value(got)) == expected
    # named-graph-uri restricts GRAPH ?g, and the protocol dataset wins over FROM
    graphs = httpx.get(
        f"{live_server}/sparql",
        timeout=30,
        params=[
            (
                "query",
                "SELECT DISTINCT ?g FROM <" + str(GRAPH["links"]) + "> WHERE "
                "{ GRAPH ?g { ?s ?p ?o } }",
            ),
            ("named-graph-uri", entities),
            ("named-graph-uri", str(GRAPH["themes"])),
        ],
        headers={"Accept": "application/sparql-results+json"},
    )
    names = sorted(b["g"]["value"] for b in graphs.json()["results"]["bindings"])
    assert names == sorted([entities, str(GRAPH["themes"])])


def test_from_in_the_query_chooses_the_default_graph(live_server: str, build_dir: Path) -> None:
    trig = rdflib.Dataset()
    trig.parse(build_dir / "dataset.trig", format="trig")
    links = str(GRAPH["links"])
    got = sparql(live_server, f"SELECT (COUNT(*) AS ?n) FROM <{links}> WHERE {{ ?s ?p ?o }}")
    assert int(value(got)) == len(trig.graph(rdflib.URIRef(links)))


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://example.org/remote.rdf> WHERE { ?s ?p ?o }",
        "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_graphs_outside_the_dataset_are_refused(live_server: str, query: str) -> None:
    params = {} if "FROM" in query else {"named-graph-uri": "http://example.org/remote.rdf"}
    response = sparql(live_server, query, **params)
    assert response.status_code == 400
    assert "not in this dataset" in response.json()["error"]["message"]


SELECT_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
DOCS = PREFIX + "SELECT ?d ?t WHERE { ?d a rk:Document ; <http://purl.org/dc/terms/title> ?t }"


def _rows(kind: str, text: str) -> list[str]:
    """Document titles read back from each results format with a plain parser."""
    if kind.endswith("json"):
        return [b["t"]["value"] for b in json.loads(text)["results"]["bindings"]]
    if kind.endswith("xml"):
        from xml.etree import ElementTree

        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        root = ElementTree.fromstring(text.encode())
        return [b.find("r:literal", ns).text for b in root.iterfind(".//r:binding[@name='t']", ns)]
    if kind == "text/csv":
        return [row["t"] for row in csv.DictReader(io.StringIO(text))]
    lines = text.rstrip("\n").split("\n")
    index = lines[0].split("\t").index("?t")
    return [rdflib.util.from_n3(line.split("\t")[index]).value for line in lines[1:]]


@pytest.mark.parametrize("accept", SELECT_TYPES)
def test_select_in_every_results_format(live_server: str, parsed_docs, accept: str) -> None:
    response = sparql(live_server, DOCS, accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert sorted(_rows(accept, response.text)) == sorted(d.meta.title for d in parsed_docs)


@pytest.mark.parametrize("accept", sorted(GRAPH_TYPES))
def test_construct_in_every_rdf_format(live_server: str, parsed_docs, accept: str) -> None:
    query = PREFIX + "CONSTRUCT { ?d a rk:Document } WHERE { ?d a rk:Document }"
    response = sparql(live_server, query, accept=accept)
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.text, format=GRAPH_TYPES[accept])
    assert len(graph) == len(parsed_docs)


def test_format_parameter_and_q_values(live_server: str) -> None:
    by_format = sparql(live_server, "ASK {}", accept="text/csv", format="xml")
    assert by_format.headers["content-type"].startswith("application/sparql-results+xml")
    weighted = sparql(live_server, DOCS, accept="text/csv;q=0.5, text/tab-separated-values")
    assert weighted.headers["content-type"].startswith("text/tab-separated-values")
    describe = sparql(live_server, f"DESCRIBE <{GRAPH['x']}>", accept="*/*", format="nt")
    assert describe.headers["content-type"].startswith("application/n-triples")


def test_nothing_acceptable_is_406(live_server: str) -> None:
    assert sparql(live_server, DOCS, accept="text/turtle").status_code == 406
    assert (
        sparql(
            live_server, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/sparql-results+json"
        ).status_code
        == 406
    )
    assert sparql(live_server, DOCS, format="pdf").status_code == 406


def test_syntax_error_gives_the_parser_position(live_server: str) -> None:
    response = sparql(live_server, "SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "syntax-error" and "1:" in error["message"]


# --------------------------------------------------------------------------- read-only, no SSRF


@pytest.mark.parametrize("how", ["query", "form-update", "direct-update", "get-update"])
def test_updates_are_refused_and_nothing_changes(live_server: str, how: str) -> None:
    before = value(sparql(live_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"
    url = f"{live_server}/sparql"
    if how == "query":
        response = httpx.get(url, params={"query": update})
    elif how == "form-update":
        response = httpx.post(url, data={"update": update})
    elif how == "direct-update":
        response = httpx.post(
            url, content=update, headers={"Content-Type": "application/sparql-update"}
        )
    else:
        response = httpx.get(url, params={"update": "CLEAR ALL"})
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]
    assert value(sparql(live_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")) == before


def test_service_is_refused_without_any_connection(live_server: str) -> None:
    """A listener on 127.0.0.1 stands for an internal service: it must never be called."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(1.5)
    port = listener.getsockname()[1]
    connections: list = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # the timeout: nobody called, as it should be
            connections.append(listener.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    for query in (
        f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
        f"select * {{ {{ ?a ?b ?c }} UNION {{ service silent <http://127.0.0.1:{port}/>"
        " { ?s ?p ?o } } }",
    ):
        response = sparql(live_server, query)
        assert response.status_code == 403, response.text
        assert "SERVICE" in response.json()["error"]["message"]
    thread.join()
    listener.close()
    assert connections == []


def test_a_glued_service_name_is_refused_before_it_runs(live_server: str) -> None:
    """`SERVICE:t {`: pyoxigraph reads SERVICE and the name `:t`; inside FILTER EXISTS it
    swallowed the sandbox's refusal and answered 200 as if the service had matched. A prefix
    named SERVICE still names graphs and properties."""
    glued = (
        "PREFIX : <http://127.0.0.1:9/>\nSELECT * WHERE { VALUES ?q { 1 } "
        "FILTER EXISTS { SERVICE:t#>\n { ?s ?p ?o } } }"
    )
    response = sparql(live_server, glued)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["message"].startswith("refused: this endpoint never connects")
    for fine in (
        "PREFIX SERVICE: <http://x/> SELECT * WHERE { GRAPH SERVICE:t { ?s ?p ?o } }",
        "PREFIX SERVICE: <http://x/> SELECT * FROM SERVICE:g { ?s ?p ?o }",
        "PREFIX SERVICE: <http://x/> SELECT * WHERE { ?s SERVICE:p ?o }",
    ):
        answer = sparql(live_server, fine)  # FROM an unknown graph: 400, not refused
        assert answer.status_code in (200, 400) and "refused" not in answer.text, fine


def test_keywords_inside_literals_are_not_refused(live_server: str) -> None:
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://x/> INSERT DATA" AS ?x) }  # LOAD <a>'
    assert sparql(live_server, query).status_code == 200


# --------------------------------------------------------------------------- description, CORS


def test_get_without_query_is_the_service_description(live_server: str, store) -> None:
    response = httpx.get(f"{live_server}/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(f"{live_server}/sparql")
    assert (endpoint, sd.endpoint, endpoint) in graph
    names = sorted(str(o) for o in graph.objects(None, sd.name))
    assert names == sorted(g.value for g in store.named_graphs())


def test_cors_for_browser_clients(live_server: str) -> None:
    origin = "http://analyst.example"
    response = httpx.get(
        f"{live_server}/sparql", params={"query": "ASK {}"}, headers={"Origin": origin}
    )
    assert response.headers["access-control-allow-origin"] in {"*", origin}
    preflight = httpx.options(
        f"{live_server}/sparql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


# --------------------------------------------------------------------------- SPARQLWrapper


def test_sparqlwrapper_as_an_independent_client(live_server: str, parsed_docs) -> None:
    from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setQuery(COUNT_MEASURES)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    assert int(result["results"]["bindings"][0]["n"]["value"]) == sum(
        len(d.measures) for d in parsed_docs
    )

    client.setMethod(POST)
    client.setQuery(PREFIX + "ASK { ?m a rk:Measure }")
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"

    client.setQuery(PREFIX + "CONSTRUCT { ?d a rk:Document } WHERE { ?d a rk:Document }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == len(parsed_docs)


# --------------------------------------------------------------------------- limits (own server)

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def limited_server(build_dir: Path):
    """`reformkg serve` (a second uvicorn) with a 1 s timeout, a 50-row cap and a 20 kB
    request limit, one query worker; yields the process and the base URL it printed."""
    import os
    import socket
    import subprocess
    import sys

    from checkout import ROOT

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "REFORMKG_BUILD": str(build_dir),
        "REFORMKG_SPARQL_TIMEOUT": "1",
        "REFORMKG_SPARQL_MAX_ROWS": "50",
        "REFORMKG_MAX_REQUEST_BYTES": "20000",
        "REFORMKG_QUERY_WORKERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "reformkg.cli", "serve", "--port", str(port), "--no-build"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        banner = proc.stdout.readline()
        assert f"{base}/sparql" in banner and f"{base}/viz" in banner, banner
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "reformkg serve exited"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "reformkg serve did not become ready"
            time.sleep(0.2)
        yield proc, base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_serve_without_build_and_no_build_is_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from checkout import ROOT

    done = subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "serve", "--no-build"],
        cwd=ROOT,
        env={**os.environ, "REFORMKG_BUILD": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "reformkg build" in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "serve"],
        cwd=ROOT,
        env={**os.environ, "REFORMKG_SPARQL_TIMEOUT": "soon"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "REFORMKG_SPARQL_TIMEOUT" in bad.stderr


def _busy_workers(pid: int) -> list[psutil.Process]:
    children = psutil.Process(pid).children(recursive=True)
    for child in children:
        child.cpu_percent(None)
    time.sleep(0.5)
    return [c for c in children if c.is_running() and c.cpu_percent(None) > 50]


def test_timeout_really_stops_the_work(limited_server) -> None:
    proc, base = limited_server
    workers_before = {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
    started = time.monotonic()
    response = sparql(base, SLOW)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["error"]["type"] == "timeout"
    assert elapsed < 5
    workers_after = {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
    assert workers_before - workers_after, "the worker that ran the query was not killed"
    assert _busy_workers(proc.pid) == []
    assert sparql(base, "ASK {}").status_code == 200  # a fresh worker serves the next query


def test_row_cap_truncates_and_says_so(limited_server) -> None:
    _, base = limited_server
    response = sparql(base, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 50
    assert "50" in response.headers["x-reformkg-truncated"]
    small = sparql(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert "x-reformkg-truncated" not in small.headers


def test_request_size_limit(limited_server) -> None:
    _, base = limited_server
    padding = "#" + "x" * 30_000 + "\n"
    direct = httpx.post(
        f"{base}/sparql",
        content=padding + "ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert direct.status_code == 413
    chunked = httpx.post(
        f"{base}/sparql",
        content=iter([padding.encode(), b"ASK {}"]),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert chunked.status_code == 413
    long_get = httpx.get(f"{base}/sparql", params={"query": padding + "ASK {}"})
    assert long_get.status_code == 414


# --------------------------------------------------------------------------- the query scan


@pytest.mark.parametrize(
    ("query", "form", "defaults", "named"),
    [
        (
            "PREFIX g: <https://w3id.org/reformkg/graph/>\nSELECT * FROM g:links FROM NAMED "
            "<https://w3id.org/reformkg/graph/themes> { ?s ?p ?o }",
            "SELECT",
            ["https://w3id.org/reformkg/graph/links"],
            ["https://w3id.org/reformkg/graph/themes"],
        ),
        ('# SELECT in a comment\nask { ?s ?p "FROM <x>" }', "ASK", [], []),
        ("BASE <http://x/> CONSTRUCT WHERE { ?s ?from ?o }", "CONSTRUCT", [], []),
        ("DESCRIBE <http://example.org/select>", "DESCRIBE", [], []),
        ('SELECT ?define WHERE { ?define <http://example.org/sql:x> "bif:" }', "SELECT", [], []),
    ],
)
def test_query_scan(query: str, form: str, defaults: list, named: list) -> None:
    from reformkg.web.sparql import check_query

    assert check_query(query) == (form, defaults, named)


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b 1 }",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "SELECT * { SERVICE\n<http://x> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o . Service ?endpoint { ?a ?b ?c } }",
        'DEFINE get:soft "soft" SELECT * FROM <http://example.org/> { ?s ?p ?o }',
        'SELECT (bif:http_get("http://127.0.0.1:22/") AS ?x) {}',
        "SELECT (<http://www.openlinksw.com/schemas/bif#http_get>('http://x/') AS ?x) {}",
    ],
)
def test_query_scan_refuses(query: str) -> None:
    from reformkg.errors import RequestError as EndpointError
    from reformkg.web.sparql import check_query

    with pytest.raises(EndpointError) as err:
        check_query(query)
    assert err.value.status == 403

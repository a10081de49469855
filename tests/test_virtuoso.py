"""The external-server path against a real Virtuoso (Debian `virtuoso-opensource`).

The test starts `virtuoso-t` on 127.0.0.1 with a virtuoso.ini of its own in a temporary folder
(free ports, its own database files), pushes the build with `reformkg load` (Graph Store
Protocol, and SPARQL Update for one graph), starts the app configured on it
(REFORMKG_STORE_URL), and checks that every named question answers exactly as on the embedded
store. Virtuoso is stopped by its PID afterwards. Without virtuoso-t the module is skipped and
says why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reformkg.graph.query.named import list_queries
from reformkg.settings import Settings

from checkout import ROOT

pytestmark = pytest.mark.virtuoso
VIRTUOSO = shutil.which("virtuoso-t")
if VIRTUOSO is None:
    reason = "virtuoso-t is not installed (Debian package virtuoso-opensource): skipping"
    print(reason, file=sys.stderr)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a fresh Virtuoso on 127.0.0.1 (default dba password), stopped by PID; its
    virtuoso.ini is the benchmark's (bench/virtuoso.py)."""
    from bench.virtuoso import Virtuoso

    try:
        server = Virtuoso.start(tmp_path_factory.mktemp("virtuoso"), ready_seconds=90)
    except RuntimeError as err:
        pytest.fail(str(err))
    try:
        yield server.base
    finally:
        server.stop()


@pytest.fixture(scope="module")
def loaded(virtuoso: str, build_dir: Path) -> str:
    """The build pushed with `reformkg load` through the Graph Store Protocol."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reformkg.cli",
            "load",
            "--into",
            f"{virtuoso}/sparql-graph-crud-auth",
            "--user",
            "dba",
            "--password",
            "dba",
            "--build",
            str(build_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    print(done.stdout, done.stderr)
    return virtuoso


@pytest.fixture(scope="module")
def app_on_virtuoso(loaded: str, build_dir: Path) -> Iterator[str]:
    from conftest import start_server

    proc, base = start_server(build_dir, {"REFORMKG_STORE_URL": f"{loaded}/sparql"})
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _count_quads(build_dir: Path) -> int:
    """Quads in dataset.nq, counted as lines (one quad per line, no duplicates by design)."""
    lines = (build_dir / "dataset.nq").read_text(encoding="utf-8").splitlines()
    return len({line for line in lines if line.strip() and not line.startswith("#")})


def test_load_pushes_every_triple(loaded: str, build_dir: Path) -> None:
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?g), "https://w3id.org/reformkg/graph/")) }'
    )
    response = httpx.get(
        f"{loaded}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == _count_quads(build_dir)


def test_load_through_sparql_update(virtuoso: str, tmp_path: Path, build_dir: Path) -> None:
    """The second way: one graph (entities) sent with DROP/INSERT DATA to /sparql-auth."""
    from reformkg.cli.load import load, read_graphs

    graphs = read_graphs(build_dir)
    entities = "https://w3id.org/reformkg/graph/entities"
    target = "https://w3id.org/reformkg/graph/test-update"
    sent = load(
        f"{virtuoso}/sparql-auth",
        {target: graphs[entities]},
        via="update",
        user="dba",
        password="dba",
        out=sys.stderr,
    )
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}"
    response = httpx.get(
        f"{virtuoso}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == sent
    assert sent == len(graphs[entities])
    drop = httpx.post(
        f"{virtuoso}/sparql-auth",
        data={"update": f"DROP SILENT GRAPH <{target}>"},
        auth=httpx.DigestAuth("dba", "dba"),
    )
    assert drop.status_code == 200


def test_app_on_virtuoso_answers_the_protocol(
    app_on_virtuoso: str, parsed_docs, build_dir: Path
) -> None:
    assert httpx.get(f"{app_on_virtuoso}/healthz").json()["triples"] == _count_quads(build_dir)
    query = (
        "PREFIX rk: <https://w3id.org/reformkg/ontology#> "
        "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a rk:Measure }"
    )
    got = httpx.get(f"{app_on_virtuoso}/sparql", params={"query": query, "format": "json"})
    assert int(got.json()["results"]["bindings"][0]["n"]["value"]) == sum(
        len(d.measures) for d in parsed_docs
    )
    ask = httpx.get(f"{app_on_virtuoso}/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert ask.json()["boolean"] is True
    refused = httpx.get(
        f"{app_on_virtuoso}/sparql",
        params={"query": "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"},
    )
    assert refused.status_code == 403


def _normalised(rows: list[dict]) -> list[str]:
    """Rows comparable across engines: GROUP_CONCAT order and empty-vs-unbound differ."""
    out = []
    for row in rows:
        norm = {}
        for key, value in row.items():
            if isinstance(value, str) and "; " in value:
                value = "; ".join(sorted(value.split("; ")))
            norm[key] = None if value in ("", None) else str(value)
        out.append(json.dumps(norm, sort_keys=True, ensure_ascii=False))
    return sorted(out)


CASES = [(q.name, {}) for q in list_queries(Settings.defaults().queries_dir)] + [
    ("agency-workload", {"doc": "qhsk-ftz-b6"}),
    ("measures-by-theme", {"theme": "", "place": "xiamen"}),
    ("overdue-measures", {"asOf": "2022-10-01", "agency": "深圳市市场监督管理局"}),
    ("full-text-search", {"q": "APP"}),
    ("reform-lineages", {"theme": "intellectual-property"}),
    ("reform-lineages", {"agency": "深圳市市场监督管理局"}),
]


@pytest.mark.parametrize(
    ("name", "params"), CASES, ids=[f"{n}-{'-'.join(p) or 'defaults'}" for n, p in CASES]
)
def test_named_queries_answer_as_on_the_embedded_store(
    app_on_virtuoso: str, live_server: str, name: str, params: dict
) -> None:
    remote = httpx.get(f"{app_on_virtuoso}/queries/{name}", params=params, timeout=60)
    local = httpx.get(f"{live_server}/queries/{name}", params=params, timeout=60)
    assert remote.status_code == local.status_code == 200, remote.text
    assert remote.json()["columns"] == local.json()["columns"]
    assert _normalised(remote.json()["rows"]) == _normalised(local.json()["rows"])

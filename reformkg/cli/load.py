"""`reformkg load --into URL`: push the built dataset, graph by graph, to an external server.

Two ways, both standard: the SPARQL 1.1 Graph Store Protocol (PUT the first chunk of each
named graph, POST the rest; Virtuoso /sparql-graph-crud-auth, Fuseki /ds/data, Oxigraph
/store) or SPARQL 1.1 Update (DROP SILENT GRAPH, then INSERT DATA chunks; Virtuoso
/sparql-auth, Fuseki /ds/update). Every graph of build/dataset.nq goes, the inferred one too,
so an app configured on that server (REFORMKG_STORE_URL) answers as the embedded store does.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reformkg.errors import ReformKGError
from reformkg.settings import Settings

if TYPE_CHECKING:
    import httpx
    import pyoxigraph as ox

NAME = "load"
HELP = "Push the built dataset to a SPARQL server (Graph Store Protocol or SPARQL Update)."
CHUNK = 20_000  # triples per request: small enough for default server request limits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--into",
        required=True,
        metavar="URL",
        help="Graph Store endpoint (e.g. http://host:8890/sparql-graph-crud-auth)"
        " or, with --via update, the SPARQL Update endpoint",
    )
    parser.add_argument(
        "--via",
        choices=("gsp", "update"),
        default="gsp",
        help="Graph Store Protocol (default) or SPARQL Update",
    )
    parser.add_argument("--user", help="user name (digest or basic auth, as the server asks)")
    parser.add_argument("--password", help="password")
    parser.add_argument("--build", type=Path, help="build folder (default: ./build)")


def read_graphs(build_dir: Path) -> dict[str, list[ox.Triple]]:
    """The dataset's triples grouped by named graph, in file order."""
    import pyoxigraph as ox

    from reformkg.graph.query.store import dataset_path

    path = dataset_path(build_dir)
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs[quad.graph_name.value].append(quad.triple)
    return dict(sorted(graphs.items()))


def _auth(
    client: httpx.Client, url: str, user: str | None, password: str | None
) -> httpx.Auth | None:
    """Digest or basic auth, whichever the server's challenge names (Virtuoso asks digest)."""
    import httpx

    if not user:
        return None
    probe = client.get(url)
    challenge = probe.headers.get("www-authenticate", "").lower()
    if challenge.startswith("digest"):
        return httpx.DigestAuth(user, password or "")
    return httpx.BasicAuth(user, password or "")


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise ReformKGError(f"{what}: HTTP {response.status_code} {response.text.strip()[:300]}")


def load(
    url: str,
    graphs: dict[str, list[ox.Triple]],
    *,
    via: str = "gsp",
    user: str | None = None,
    password: str | None = None,
    out: TextIO = sys.stderr,
) -> int:
    """Push every graph; return the number of triples sent. Replaces graphs of the same name."""
    import httpx
    import pyoxigraph as ox

    if not url.startswith(("http://", "https://")):
        raise ReformKGError(f"--into {url}: give an http(s) URL")
    total = 0
    with httpx.Client(timeout=300) as client:
        try:
            auth = _auth(client, url, user, password)
        except httpx.HTTPError as err:
            raise ReformKGError(f"cannot reach {url}: {err}") from None
        for graph, triples in graphs.items():
            started = time.perf_counter()
            for start in range(0, max(len(triples), 1), CHUNK):
                body = ox.serialize(triples[start : start + CHUNK], format=ox.RdfFormat.N_TRIPLES)
                body = body or b""
                if via == "gsp":
                    method = "PUT" if start == 0 else "POST"
                    response = client.request(
                        method,
                        url,
                        params={"graph": graph},
                        content=body,
                        auth=auth,
                        headers={"Content-Type": "text/turtle"},
                    )
                else:
                    drop = f"DROP SILENT GRAPH <{graph}> ;\n" if start == 0 else ""
                    update = f"{drop}INSERT DATA {{ GRAPH <{graph}> {{\n{body.decode()}}} }}"
                    # request(), not post(): httpx's post() does not take auth=None (no auth)
                    response = client.request("POST", url, data={"update": update}, auth=auth)
                _check(response, f"{graph}")
            total += len(triples)
            print(
                f"  {graph}: {len(triples)} triples in {time.perf_counter() - started:.2f} s",
                file=out,
            )
    return total


def run(args: argparse.Namespace, settings: Settings) -> int:
    graphs = read_graphs(settings.build_dir)
    started = time.perf_counter()
    total = load(args.into, graphs, via=args.via, user=args.user, password=args.password)
    print(
        f"loaded {total} triples in {len(graphs)} graphs into {args.into} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0

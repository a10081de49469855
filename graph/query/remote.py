"""An external SPARQL 1.1 server behind the part of pyoxigraph's Store interface the app uses.

For deployments that outgrow one process (docs/endpoint.md): `REFORMKG_STORE_URL` points the
app at Virtuoso, Fuseki or an Oxigraph server, and `reformkg load --into URL` fills it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from reformkg.graph.query.sparql_text import inject_values, query_form
from reformkg.graph.query.store import GraphName, QueryAnswer, Term, solutions, to_tuple
from reformkg.vocab import GRAPH


class RemoteStore:
    """An external SPARQL 1.1 server (Virtuoso, Fuseki, Oxigraph server) seen through the SPARQL
    protocol with the part of pyoxigraph's `Store.query` interface the product uses.

    Only the graphs under https://w3id.org/reformkg/graph/ are this product's: servers such as
    Virtuoso hold system graphs of their own, so "union of all graphs" means union of ours.
    """

    def __init__(
        self,
        query_url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.query_url = query_url
        auth = httpx.DigestAuth(user, password or "") if user else None
        self._client = httpx.Client(auth=auth, timeout=timeout)
        self._graphs: list[str] | None = None

    def graphs(self) -> list[str]:
        """Our named graphs on the server, sorted (asked once, then cached)."""
        if self._graphs is None:
            prefix = str(GRAPH)
            result = self._post(
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}',
                [],
                [],
                select=True,
            )
            self._graphs = sorted(s["g"].value for s in solutions(result))
        return self._graphs

    def named_graphs(self) -> Iterable[ox.NamedNode]:
        return [ox.NamedNode(g) for g in self.graphs()]

    def __len__(self) -> int:
        result = self._post(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            [],
            self.graphs(),
            select=True,
        )
        return int(next(iter(solutions(result)))["n"].value)

    def query(
        self,
        query: str,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, Term] | None = None,
        **_: object,
    ) -> QueryAnswer:
        """Run a query remotely; answers come back as pyoxigraph objects (QuerySolutions,
        QueryBoolean, or an iterator of Triples) exactly as from a local store."""
        if substitutions:
            query = inject_values(query, {k.value: to_tuple(v) for k, v in substitutions.items()})
        defaults = (
            [_graph_iri(g) for g in default_graph] if default_graph is not None else self.graphs()
        )
        named = [g.value for g in named_graphs] if named_graphs is not None else self.graphs()
        form = query_form(query)
        return self._post(query, defaults, named, select=form in {"SELECT", "ASK"})

    def _post(
        self, query: str, defaults: list[str], named: list[str], *, select: bool
    ) -> QueryAnswer:
        data = (
            [("query", query)]
            + [("default-graph-uri", g) for g in defaults]
            + [("named-graph-uri", g) for g in named]
        )
        accept = "application/sparql-results+xml" if select else "application/n-triples"
        response = self._client.post(
            self.query_url,
            content=urlencode(data).encode(),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status_code == 400:
            raise SyntaxError(response.text.strip()[:2000])
        response.raise_for_status()
        if select:
            result = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.XML)
            if isinstance(result, ox.QuerySolutions) and [v.value for v in result.variables] == [
                "__ASK_RETVAL"
            ]:  # Virtuoso answers ASK as a one-row SELECT
                return any(s["__ASK_RETVAL"].value not in {"0", "false"} for s in result)
            return result
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        fmt = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
        return iter([q.triple for q in ox.parse(response.content, format=fmt)])

    def close(self) -> None:
        self._client.close()


def _graph_iri(graph: GraphName) -> str:
    """A default graph of a query, named by its IRI: the server's graphs have IRIs."""
    if isinstance(graph, ox.DefaultGraph):
        raise TypeError("a remote server's default graph is chosen by graph IRIs")
    return graph.value

"""The named queries the benchmark times, with the parameter values it times them with.

The queries come from reformkg.graph.query.named (queries/*.rq), so a new named query is timed with no
change here. Each is timed with its declared defaults (an empty default leaves the variable
unbound, as the endpoint does), so the figures are for the question as an analyst first sees it.
"""

from __future__ import annotations

from pathlib import Path

from reformkg.graph.query.named import NamedQuery, list_queries, to_term

ACCEPT = {"Accept": "application/sparql-results+json, application/json;q=0.9"}


def query_specs(queries_dir: Path) -> list[NamedQuery]:
    """Every named query, sorted by name."""
    return sorted(list_queries(queries_dir), key=lambda q: q.name)


def default_params(query: NamedQuery) -> dict[str, str]:
    """The non-empty declared defaults, as the HTTP query string sends them."""
    return {p.name: p.default for p in query.params if p.default.strip()}


def rdflib_bindings(query: NamedQuery, params: dict[str, str]) -> dict:
    """The same values as rdflib terms, made by the endpoint's own conversion (to_term)."""
    from rdflib import Literal, URIRef

    out = {}
    for p in query.params:
        if p.name not in params:
            continue
        term = to_term(p, params[p.name])
        if hasattr(term, "datatype"):  # a pyoxigraph Literal
            lang = getattr(term, "language", None)
            out[p.name] = (
                Literal(term.value, lang=lang)
                if lang
                else Literal(term.value, datatype=URIRef(term.datatype.value))
            )
        else:
            out[p.name] = URIRef(term.value)
    return out

"""The embedded store: a pyoxigraph Store loaded from the build output.

Every reader (API, analytics, views, CLI queries) goes through `open_store` and
`select`, so what the views show is exactly what SPARQL returns.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

DATASET_FILE = "dataset.nq"


def open_store(build_dir: Path) -> ox.Store:
    """Load the built dataset (all named graphs, asserted and inferred) into an in-memory store."""
    store = ox.Store()
    store.bulk_load(path=str(Path(build_dir) / DATASET_FILE), format=ox.RdfFormat.N_QUADS)
    return store


def term_value(term: object) -> object:
    """A plain Python value for a pyoxigraph term: IRIs and strings as str, numbers and booleans typed."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1]
        if dt in {"integer", "int", "long", "nonNegativeInteger"}:
            return int(term.value)
        if dt in {"decimal", "double", "float"}:
            return float(term.value)
        if dt == "boolean":
            return term.value == "true"
        return term.value
    return term.value


def select(
    store: ox.Store,
    query: str,
    bindings: dict[str, ox.NamedNode | ox.Literal] | None = None,
    *,
    union: bool = True,
) -> list[dict[str, object]]:
    """Run a SELECT and return rows of plain values; `bindings` are bound as RDF terms, never pasted."""
    subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    result = store.query(query, use_default_graph_as_union=union, substitutions=subs or None)
    names = [v.value for v in result.variables]
    return [{n: term_value(sol[n]) for n in names} for sol in result]

"""The worker's reading of answers into plain values (graph/query/results.py `rows_of`) gives
what `term_value` gives for every kind of term, in the answer's column order."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from reformkg.graph.query import results
from reformkg.graph.query.store import term_value

XSD = "http://www.w3.org/2001/XMLSchema#"
DATATYPES = [
    f"{XSD}{name}"
    for name in ("string", "integer", "int", "decimal", "double", "boolean", "date", "gYear")
] + ["https://example.org/custom"]
LEXICAL = st.sampled_from(["0", "12", "-3", "1.5", "true", "false", "1", "2024-05-01", "abc"])

terms = st.one_of(
    st.none(),
    st.builds(lambda t: ox.NamedNode(f"https://example.org/{t}"), st.integers(0, 99)),
    st.builds(lambda b: ox.BlankNode(f"b{b}"), st.integers(0, 9)),
    st.builds(
        lambda text, lang: ox.Literal(text, language=lang),
        st.text(min_size=1, max_size=8),
        st.sampled_from(["zh-Hans", "zh-Hant", "en"]),
    ),
    st.builds(
        lambda text, dt: ox.Literal(text, datatype=ox.NamedNode(dt)),
        LEXICAL | st.text(max_size=8),
        st.sampled_from(DATATYPES),
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(terms, min_size=3, max_size=3), min_size=1, max_size=6))
def test_rows_of_gives_what_term_value_gives(table: list[list[object]]) -> None:
    """Rows of IRIs, blank nodes, texts in several languages, typed literals (valid and not)
    and unbound cells, from a real store, written and read back as the worker does (TSV)."""
    ex = "https://example.org/"
    store = ox.Store()
    for i, row in enumerate(table):
        subject = ox.NamedNode(f"{ex}row/{i}")
        store.add(
            ox.Quad(
                subject,
                ox.NamedNode(f"{ex}i"),
                ox.Literal(str(i), datatype=ox.NamedNode(f"{XSD}integer")),
            )
        )
        for column, term in zip("cab", row, strict=True):
            if term is not None:
                store.add(ox.Quad(subject, ox.NamedNode(f"{ex}{column}"), term))  # type: ignore[arg-type]
    text = (
        f"SELECT ?c ?a ?b WHERE {{ ?row <{ex}i> ?i "
        + " ".join(f"OPTIONAL {{ ?row <{ex}{v}> ?{v} }}" for v in "cab")
        + " } ORDER BY ?i"
    )
    tsv = store.query(text).serialize(format=ox.QueryResultsFormat.TSV)
    lines = (tsv or b"").split(b"\n")[:-1]
    names, rows = results.rows_of(results._solutions(lines))
    assert names == ["c", "a", "b"]  # the answer's column order, not alphabetical
    expected = [[term_value(s[n]) for n in names] for s in results._solutions(lines)]
    # compared by repr: a "nan"^^xsd:double reads as float("nan"), which equals nothing
    assert repr(rows) == repr(expected)
    assert repr(rows) == repr([[term_value(t) for t in row] for row in table])  # type: ignore[arg-type]

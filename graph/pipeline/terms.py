"""Build time: RDF terms between rdflib (what the ETL makes) and pyoxigraph (what writes and
queries fast), each distinct term converted once."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

__all__ = ["NTriplesTerms", "OxTerm", "TermNumbers", "load_triples", "rdflib_term", "to_ox"]

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def to_ox(term: Node) -> OxTerm:
    """One rdflib term as pyoxigraph's (a plain literal is an xsd:string, as RDF 1.1 says)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"cannot serialise {term!r}")


class NTriplesTerms:
    """Terms written once each in their N-Triples form (by pyoxigraph, as its serialisers
    write them): a triple or quad line is then a join of strings, which pyoxigraph parses in
    Rust, far cheaper than one pyoxigraph object per term and statement built from Python.

    `by_id` holds the form of each term object seen, by its id(): rdflib's term hashing and
    equality run in Python, and the build's quads share most term objects, so a caller looks
    there first (`by_id.get(id(t)) or nt(t)`: C-level calls only). The objects are kept alive
    here, so an id is never reused for another term while this lives."""

    def __init__(self) -> None:
        self._terms: dict[Node, str] = {}
        self._seen: list[Node] = []
        self.by_id: dict[int, str] = {}

    def __call__(self, term: Node) -> str:
        text = self._terms.get(term)
        if text is None:
            text = self._terms[term] = str(to_ox(term))
        self._seen.append(term)
        self.by_id[id(term)] = text
        return text


class TermNumbers:
    """Each distinct term (by rdflib's equality) numbered once, 1, 2, …: a set or counter of
    numbers hashes in C, where one of rdflib terms runs Python for every lookup. As in
    `NTriplesTerms`, `by_id` is looked up first (`by_id.get(id(t)) or numbers(t)`: a number
    is never 0), then the call; `term(n)` is the term of a number."""

    def __init__(self) -> None:
        self._numbers: dict[Node, int] = {}
        self._seen: list[Node] = []
        self._terms: list[Node] = []
        self.by_id: dict[int, int] = {}

    def __call__(self, term: Node) -> int:
        number = self._numbers.get(term)
        if number is None:
            self._terms.append(term)
            number = self._numbers[term] = len(self._terms)
        self._seen.append(term)
        self.by_id[id(term)] = number
        return number

    def term(self, number: int) -> Node:
        return self._terms[number - 1]


def load_triples(
    store: ox.Store, triples: Iterable[tuple[Node, Node, Node]], chunk: int = 100_000
) -> None:
    """Add `triples` to the default graph of `store`, `chunk` N-Triples lines at a time."""
    nt = NTriplesTerms()
    lines: list[str] = []
    for s, p, o in triples:
        lines.append(f"{nt(s)} {nt(p)} {nt(o)} .\n")
        if len(lines) >= chunk:
            store.bulk_load("".join(lines).encode("utf-8"), ox.RdfFormat.N_TRIPLES)
            lines.clear()
    if lines:
        store.bulk_load("".join(lines).encode("utf-8"), ox.RdfFormat.N_TRIPLES)


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """One pyoxigraph term as rdflib's (the inverse of `to_ox`)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)  # as rdflib reads "…" without a datatype
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not a term rdflib can hold: {term!r}")

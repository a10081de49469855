"""Build time: RDF terms between rdflib (what the ETL makes) and pyoxigraph (what writes and
queries fast), converted once per distinct term."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

__all__ = ["OxTerm", "Converter", "ox_triples", "rdflib_term", "to_ox"]

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


class Converter:
    """Terms converted once each and shared: at 100x data a measure's IRI occurs in dozens of
    triples, and one object per term instead of one per occurrence saves most of the memory."""

    def __init__(self) -> None:
        self._terms: dict[Node, OxTerm] = {}

    def term(self, term: Node) -> OxTerm:
        converted = self._terms.get(term)
        if converted is None:
            converted = self._terms[term] = to_ox(term)
        return converted

    def triple(self, s: Node, p: Node, o: Node) -> ox.Triple:
        subject, predicate = self.term(s), self.term(p)
        if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
            raise TypeError(f"cannot serialise the triple {(s, p, o)!r}")
        return ox.Triple(subject, predicate, self.term(o))


def ox_triples(triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[ox.Triple]:
    """`triples` as pyoxigraph triples."""
    convert = Converter()
    for s, p, o in triples:
        yield convert.triple(s, p, o)


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

"""Build time: the shortcut entailments the product documents, stated in graph/derived.

The ontology defines shortcuts an analyst queries directly: `?m rk:involvesAgency ?a`,
`?a rk:leads ?m`, `?m rk:hasTheme <finance>` for a measure tagged with a narrower theme … They
follow from the asserted data by OWL 2 RL, but the closure lives in graph/inferred, which the
default dataset leaves out; counting without the inference switch then gave wrong numbers (0
rows for involvesAgency, 25 measures of finance instead of 38). So the build states these
entailments itself, in their own named graph `graph/derived`, which the default dataset includes,
and the dataset description (graph/description) says where they come from (PROV).

Each rule is the OWL 2 RL rule the ontology relies on, applied to the asserted quads in plain
Python (no reasoner: this step is explicit, cheap and independent of the closure engine):

| asserted | derived | rule |
|---|---|---|
| m rk:leadAgency a | m rk:involvesAgency a · a rk:leads m · a rk:involvedIn m | prp-spo1, prp-inv |
| m rk:responsibleAgency a | m rk:involvesAgency a · a rk:responsibleFor m · a rk:involvedIn m | prp-spo1, prp-inv |
| m rk:evolvesFrom n | n rk:evolvesInto m | prp-inv |
| r rk:hasVersion m | m rk:versionOf r | prp-inv |
| m rk:hasTheme t, t skos:broader+ b | m rk:hasTheme b | prp-spo2 (chain), prp-trp |
| m a rk:Measure, m rk:inDocument d | d rk:hasMeasure m | (the ontology's definition) |

tests/test_derive.py checks that each derived triple is in owlrl's closure (the oracle) and that
every triple of these properties in the closure is asserted or derived.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import cast

from rdflib import RDF, SKOS, URIRef
from rdflib.term import Node

from reformkg.vocab import DERIVED_GRAPH, RK

__all__ = ["DERIVED_PROPERTIES", "derive"]

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]

#: The properties graph/derived states (what the default dataset answers without inference).
DERIVED_PROPERTIES = (
    RK.involvesAgency,
    RK.involvedIn,
    RK.leads,
    RK.responsibleFor,
    RK.evolvesInto,
    RK.versionOf,
    RK.hasTheme,
    RK.hasMeasure,
)

_AGENCY_INVERSE: dict[Node, Node] = {
    RK.leadAgency: RK.leads,
    RK.responsibleAgency: RK.responsibleFor,
}


#: A triple's sort key: its three terms joined (every rdflib term is a str).
_JOINED = cast(Callable[[Triple], str], "\0".join)


def _ancestors(broader: dict[Node, set[Node]], concept: Node) -> set[Node]:
    """Every concept above `concept` (skos:broader, transitively; cycles are safe)."""
    seen: set[Node] = set()
    todo = list(broader.get(concept, ()))
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            todo.extend(broader.get(c, ()))
    seen.discard(concept)
    return seen


def _rules(triples: Iterable[Triple]) -> Iterator[Triple]:
    broader: dict[Node, set[Node]] = {}
    themes: list[tuple[Node, Node]] = []
    measures: set[Node] = set()
    in_document: list[tuple[Node, Node]] = []
    # Which rule reads a predicate, by lookup (rdflib compares terms in Python: a chain of ==
    # cost seconds at 100x); the terms are read once, not once per triple.
    rule = {
        **dict.fromkeys(_AGENCY_INVERSE, 0),
        RK.evolvesFrom: 1,
        RK.hasVersion: 2,
        RK.hasTheme: 3,
        SKOS.broader: 4,
        RDF.type: 5,
        RK.inDocument: 6,
    }
    involves, involved_in, evolves_into, version_of = (
        RK.involvesAgency,
        RK.involvedIn,
        RK.evolvesInto,
        RK.versionOf,
    )
    measure_class = RK.Measure
    for s, p, o in triples:
        kind = rule.get(p)
        if kind == 0:
            yield s, involves, o
            yield o, _AGENCY_INVERSE[p], s
            yield o, involved_in, s
        elif kind == 1:
            yield o, evolves_into, s
        elif kind == 2:
            yield o, version_of, s
        elif kind == 3:
            themes.append((s, o))
        elif kind == 4:
            broader.setdefault(s, set()).add(o)
        elif kind == 5 and o == measure_class:
            measures.add(s)
        elif kind == 6:
            in_document.append((s, o))
    has_theme = RK.hasTheme
    for m, t in themes:
        for b in _ancestors(broader, t):
            yield m, has_theme, b
    for m, d in in_document:
        if m in measures:
            yield d, RK.hasMeasure, m


def derive(quads: Iterable[tuple[Node, Node, Node, URIRef]]) -> list[Quad]:
    """The derived quads (in graph/derived) that the asserted `quads` do not already state,
    sorted so that the step is deterministic on its own."""
    # Only the triples a rule reads or might repeat are kept: at 100x data the whole dataset as
    # a set of triples would hold gigabytes for a few properties' sake.
    # (A set, not the tuple: `in` a tuple compares with each member in turn, in Python.)
    read = {*_AGENCY_INVERSE, RK.evolvesFrom, RK.hasVersion, SKOS.broader, RDF.type, RK.inDocument}
    read.update(DERIVED_PROPERTIES)
    asserted = {(s, p, o) for s, p, o, _ in quads if p in read}
    new = {t for t in _rules(asserted) if t not in asserted}
    # Sorted on one string per triple, joined in C (rdflib terms are strings): the same order as
    # comparing the three strings in turn ("\0" sorts before any character of a term), without a
    # Python call and four new strings per triple.
    ordered = sorted(new, key=_JOINED)
    return [(s, p, o, DERIVED_GRAPH) for s, p, o in ordered]

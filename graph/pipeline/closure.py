"""Build time: the OWL 2 RL closure in plain Python, for the constructs the ontology uses.

owlrl applies every OWL 2 RL rule to every triple on each of its cycles, until nothing new
appears: about 2.3 s for the five documents and over two minutes at 100x. The ontology uses
a small part of OWL 2 RL: sub- and equivalent properties, inverses, symmetric and transitive
properties, one property chain (rk:hasTheme ∘ skos:broader ⊑ rk:hasTheme), domains, ranges,
sub- and equivalent classes. `closure` compiles those axioms once into lookup tables and runs
the matching rules (OWL 2 Profiles, section 4.3)

    prp-spo1, prp-eqp1/2, prp-inv1/2, prp-symp, prp-trp, prp-spo2, prp-dom, prp-rng,
    cax-sco, cax-eqc1/2

semi-naively: each triple, when it first appears, is joined with what is known, so each rule
fires once per new premise instead of once per triple per cycle. The scm-* rules need no
counterpart: they only state schema triples whose effect on the data these rules already
reach by applying one after the other.

It answers None, and the caller runs owlrl, whenever the input uses something it does not
compile: owl:sameAs, functional or inverse-functional properties, restrictions, keys,
enumerations, boolean class constructs, or a derived triple that would change the schema. The
inconsistency rules (cax-adc, cax-dw, prp-pdw …) derive no triple; `reason.clashes` checks
disjointness on the result. tests/test_reasoning.py checks that the closure equals owlrl's on
the bundled documents and on a synthetic corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rdflib import OWL, RDF, RDFS
from rdflib.term import Node

__all__ = ["closure"]

Triple = tuple[Node, Node, Node]

_TYPE = RDF.type
_SCHEMA = frozenset(
    {
        RDFS.subPropertyOf,
        RDFS.subClassOf,
        RDFS.domain,
        RDFS.range,
        OWL.equivalentProperty,
        OWL.equivalentClass,
        OWL.inverseOf,
        OWL.propertyChainAxiom,
        RDF.first,
        RDF.rest,
    }
)
#: Property kinds whose rules this module runs; other kinds only flag inconsistencies.
_KINDS = frozenset({OWL.SymmetricProperty, OWL.TransitiveProperty})
#: What this module does not compile: any of these in the input sends it to owlrl.
_UNSUPPORTED_PREDICATES = frozenset(
    {
        OWL.sameAs,
        OWL.onProperty,
        OWL.intersectionOf,
        OWL.unionOf,
        OWL.hasKey,
        OWL.oneOf,
        OWL.complementOf,
        OWL.hasValue,
        OWL.someValuesFrom,
        OWL.allValuesFrom,
        OWL.differentFrom,
        OWL.distinctMembers,
    }
)
_UNSUPPORTED_KINDS = frozenset({OWL.FunctionalProperty, OWL.InverseFunctionalProperty})
_READ_KINDS = _KINDS | _UNSUPPORTED_KINDS  # the only classes whose rdf:type facts _Rules reads


class _Unsupported(Exception):
    """The input needs a rule this module does not run."""


def _rdf_list(first: dict[Node, Node], rest: dict[Node, Node], head: Node) -> list[Node]:
    items: list[Node] = []
    seen: set[Node] = set()
    while head != RDF.nil:
        if head in seen or head not in first:
            raise _Unsupported(f"malformed RDF list at {head}")
        seen.add(head)
        items.append(first[head])
        head = rest.get(head, RDF.nil)
    return items


class _Rules:
    """The ontology's axioms as lookup tables: what each property or class entails."""

    def __init__(self, facts: Iterable[Triple]) -> None:
        self.supers: dict[Node, set[Node]] = {}  # property → its direct super-properties
        self.inverses: dict[Node, set[Node]] = {}
        self.symmetric: set[Node] = set()
        self.transitive: set[Node] = set()
        self.domains: dict[Node, set[Node]] = {}
        self.ranges: dict[Node, set[Node]] = {}
        self.superclasses: dict[Node, set[Node]] = {}
        self.chains: list[tuple[Node, list[Node]]] = []
        first: dict[Node, Node] = {}
        rest: dict[Node, Node] = {}
        chain_heads: list[tuple[Node, Node]] = []
        for s, p, o in facts:
            if p in _UNSUPPORTED_PREDICATES:
                raise _Unsupported(str(p))
            if p == _TYPE:
                if o not in _READ_KINDS:  # most types (the data's): by hash, before any ==
                    continue
                if o in _UNSUPPORTED_KINDS:
                    raise _Unsupported(str(o))
                if o == OWL.SymmetricProperty:
                    self.symmetric.add(s)
                elif o == OWL.TransitiveProperty:
                    self.transitive.add(s)
            elif p == RDFS.subPropertyOf:
                self.supers.setdefault(s, set()).add(o)
            elif p == OWL.equivalentProperty:
                self.supers.setdefault(s, set()).add(o)
                self.supers.setdefault(o, set()).add(s)
            elif p == OWL.inverseOf:
                self.inverses.setdefault(s, set()).add(o)
                self.inverses.setdefault(o, set()).add(s)
            elif p == RDFS.domain:
                self.domains.setdefault(s, set()).add(o)
            elif p == RDFS.range:
                self.ranges.setdefault(s, set()).add(o)
            elif p == RDFS.subClassOf:
                self.superclasses.setdefault(s, set()).add(o)
            elif p == OWL.equivalentClass:
                self.superclasses.setdefault(s, set()).add(o)
                self.superclasses.setdefault(o, set()).add(s)
            elif p == OWL.propertyChainAxiom:
                chain_heads.append((s, o))
            elif p == RDF.first:
                first[s] = o
            elif p == RDF.rest:
                rest[s] = o
        for prop, head in chain_heads:
            self.chains.append((prop, _rdf_list(first, rest, head)))
        # Properties whose triples are joined with others (prp-trp, prp-spo2) are indexed.
        self.indexed = set(self.transitive)
        for _, steps in self.chains:
            self.indexed.update(steps)
        # A rule that could derive a schema triple would change these tables mid-way.
        entailing = (
            set(self.supers)
            | set(self.inverses)
            | self.symmetric
            | self.transitive
            | set(self.domains)
            | set(self.ranges)
            | {prop for prop, _ in self.chains}
        )
        if entailing & (_SCHEMA | {_TYPE}):
            raise _Unsupported("an axiom about the schema's own properties")
        meta_classes = _KINDS | _UNSUPPORTED_KINDS
        derived_classes = {c for cs in (*self.domains.values(), *self.ranges.values()) for c in cs}
        derived_classes |= {c for cs in self.superclasses.values() for c in cs}
        if derived_classes & meta_classes:
            raise _Unsupported("a class axiom that types properties")


def closure(facts: set[Triple]) -> list[Triple] | None:
    """The triples the rules above entail from `facts` (axioms and data, resource-valued) that
    `facts` does not hold, each once, or None when the input needs a rule this module does not
    run (then use owlrl). A list, not a set: the numbered triples are distinct and numbers map
    one to one onto terms, so hashing 1.2 M tuples of rdflib terms again (2 s at 100x) would
    only repeat what the caller's own filter does.

    Terms are numbered first: rdflib terms hash and compare in Python, integers in C, and the
    rules look triples up several times each."""
    ids: dict[Node, int] = {}  # a term's number is its position: the terms are list(ids)
    at = ids.setdefault

    def number(term: Node) -> int:
        return at(term, len(ids))

    schema_predicates = _SCHEMA | {_TYPE} | _UNSUPPORTED_PREDICATES
    try:
        rules = _Rules(t for t in facts if t[1] in schema_predicates)
    except _Unsupported:
        return None
    # `number` inlined (a million triples at 100x): len(ids) is read before each insertion
    known = {(at(s, len(ids)), at(p, len(ids)), at(o, len(ids))) for s, p, o in facts}
    new = _close(known, _NumberedRules(rules, number), {number(p) for p in _SCHEMA})
    if new is None:
        return None
    terms = list(ids)
    return [(terms[s], terms[p], terms[o]) for s, p, o in new]


class _NumberedRules:
    """`_Rules` with every term replaced by its number."""

    def __init__(self, rules: _Rules, number: Callable[[Node], int]) -> None:
        def table(d: dict[Node, set[Node]]) -> dict[int, list[int]]:
            return {number(k): sorted(number(v) for v in vs) for k, vs in d.items()}

        self.type = number(_TYPE)
        self.supers = table(rules.supers)
        self.inverses = table(rules.inverses)
        self.domains = table(rules.domains)
        self.ranges = table(rules.ranges)
        self.superclasses = table(rules.superclasses)
        self.symmetric = {number(p) for p in rules.symmetric}
        self.transitive = {number(p) for p in rules.transitive}
        self.chains = [(number(p), [number(q) for q in steps]) for p, steps in rules.chains]
        self.indexed = {number(p) for p in rules.indexed}


Index = dict[int, dict[int, set[int]]]
_IntTriple = tuple[int, int, int]


def _close(
    known: set[_IntTriple], rules: _NumberedRules, schema: set[int]
) -> set[_IntTriple] | None:
    """Add to `known` what the rules entail (semi-naively); return what was added, or None
    when a derived triple would change the schema."""
    rdf_type, indexed = rules.type, rules.indexed
    supers, inverses, domains, ranges = rules.supers, rules.inverses, rules.domains, rules.ranges
    superclasses, symmetric, transitive = rules.superclasses, rules.symmetric, rules.transitive
    chains = rules.chains
    by_subject: Index = {p: {} for p in indexed}
    by_object: Index = {p: {} for p in indexed}
    for s, p, o in known:
        if p in indexed:
            by_subject[p].setdefault(s, set()).add(o)
            by_object[p].setdefault(o, set()).add(s)
    added: set[_IntTriple] = set()
    # What a triple of each predicate entails, gathered once per predicate: (sub-property
    # targets, inverse targets (the property itself when symmetric), domains, ranges).
    plans: dict[int, tuple[list[int], list[int], list[int], list[int]]] = {}
    todo = list(known)
    while todo:
        s, p, o = todo.pop()
        if p == rdf_type:
            classes = superclasses.get(o)
            if not classes:
                continue
            new = [(s, rdf_type, c) for c in classes]  # cax-sco, cax-eqc
        else:
            plan = plans.get(p)
            if plan is None:
                plan = plans[p] = (
                    supers.get(p, []),
                    inverses.get(p, []) + ([p] if p in symmetric else []),
                    domains.get(p, []),
                    ranges.get(p, []),
                )
            ups, backs, doms, rngs = plan
            new = [(s, q, o) for q in ups]  # prp-spo1, prp-eqp
            if backs:
                new += [(o, q, s) for q in backs]  # prp-inv1/2, prp-symp
            if doms:
                new += [(s, rdf_type, c) for c in doms]  # prp-dom
            if rngs:
                new += [(o, rdf_type, c) for c in rngs]  # prp-rng
            if p in transitive:  # prp-trp, with the new triple first or second
                new.extend((s, p, z) for z in by_subject[p].get(o, ()))
                new.extend((x, p, o) for x in by_object[p].get(s, ()))
            if p in indexed:
                for prop, steps in chains:  # prp-spo2
                    for i, step in enumerate(steps):
                        if step == p:
                            new.extend(
                                (x, prop, z)
                                for x in _walk(by_object, steps[:i][::-1], s)
                                for z in _walk(by_subject, steps[i + 1 :], o)
                            )
        for t in new:
            if t not in known:
                known.add(t)
                added.add(t)
                todo.append(t)
                q = t[1]
                if q in indexed:
                    by_subject[q].setdefault(t[0], set()).add(t[2])
                    by_object[q].setdefault(t[2], set()).add(t[0])
                elif q in schema:
                    return None  # a derived schema triple: the tables no longer hold
    return added


def _walk(index: Index, steps: list[int], start: int) -> set[int]:
    """Nodes reached from `start` following `steps` through `index` (by subject: forward;
    by object: backward)."""
    frontier = {start}
    for step in steps:
        table = index[step]
        frontier = {n for f in frontier for n in table.get(f, ())}
        if not frontier:
            break
    return frontier

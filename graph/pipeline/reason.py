"""OWL 2 RL reasoning: the triples the ontology entails and the data does not state.

The closure is computed by reformkg.graph.pipeline.closure (the rules the ontology uses,
compiled), or by owlrl when the input needs a rule that module does not run; owlrl is also the
oracle the tests compare with (`engine="owlrl"`). What follows describes the input both get and
how the result is cleaned.

The build keeps these in their own named graph (graph/inferred), so a query chooses between
asserted-only and with-inference simply by including that graph or not.

Why not run owlrl on the whole dataset: owlrl applies every OWL-RL rule to every triple on each
cycle, and about two thirds of the dataset are literal-valued triples (texts, raw cells, line
numbers) that no rule of ontology/reform.ttl can use except to re-derive the rdf:type a
resource already has. So `infer` reasons over
- the ontology's axioms (the TBox: ontology/reform.ttl without its labels and definitions), plus
- the ABox triples whose object is a resource (rdf:type, agency, place, theme, link and
  structure properties, skos:broader between themes), less those whose only consequence is a
  type the data already asserts (`relevant_abox`; a test shows the result is unchanged),
and the engine does all the reasoning (owlrl: OWLRL_Semantics, without axiomatic and
datatype triples). Then it keeps only what is new and useful: the closure minus the input, minus
- statements about the ontology's own terms and the reused vocabularies (TBox noise such as
  rk:Measure rdfs:subClassOf rk:Measure),
- x owl:sameAs x, x rdf:type owl:Thing / rdfs:Resource / rdf:Property and other typing in the
  owl:, rdf:, rdfs: and xsd: namespaces,
- anything about a literal or about a blank node owlrl made up.

`python -m bench.bench_reason` prints the figures (triples in, triples out, seconds). Tried and
dropped: closing groups of related properties separately. owlrl re-reads the TBox axioms on
every round of every part, so eleven small parts cost more rule applications (54.6k) than one
graph (40.9k without the pre-filter, 31.7k with it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Protocol

import owlrl
import owlrl.Closure
import owlrl.OWLRL
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from reformkg.graph.pipeline.closure import closure as fast_closure

__all__ = ["Clash", "clashes", "disjoint_groups", "infer", "infer_triples", "relevant_abox"]

_META_NAMESPACES = (str(OWL), str(RDF), str(RDFS), str(XSD))
_SAME_AS = OWL.sameAs  # looked up once: rdflib namespace attributes are slow in hot loops
_TYPE = RDF.type
Triple = tuple[Node, Node, Node]


_PROPERTY_AXIOMS = (
    RDFS.subPropertyOf,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.propertyChainAxiom,
    OWL.propertyDisjointWith,
)
_PROPERTY_KINDS = (
    OWL.SymmetricProperty,
    OWL.TransitiveProperty,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.AsymmetricProperty,
    OWL.IrreflexiveProperty,
)
_CLASS_AXIOMS = (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith)
# Constructs under which a triple can matter in ways the pre-filter below does not track; when
# the ontology uses any of them, every resource-valued triple goes to the reasoner.
_COMPLEX = (
    OWL.onProperty,
    OWL.intersectionOf,
    OWL.unionOf,
    OWL.hasKey,
    OWL.oneOf,
    OWL.members,
    OWL.complementOf,
    OWL.hasValue,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.sameAs,
    OWL.differentFrom,
)


def _resource_triples(asserted: Iterable[Triple], tbox: Graph) -> set[Triple]:
    tbox_subjects = set(tbox.subjects())
    return {t for t in asserted if not isinstance(t[2], Literal) and t[0] not in tbox_subjects}


def relevant_abox(asserted: Graph, tbox: Graph) -> Graph:
    """The asserted triples from which `tbox` can derive something not already asserted.

    Resource-valued, not about the ontology's own terms, and then (a sound pre-filter that
    leaves the closure unchanged):
    - a property with axioms beyond domain and range (sub-property, inverse, chain,
      symmetric, transitive …) keeps all its triples;
    - a property with only a domain or range keeps a triple only when the subject or object
      lacks the asserted type that the domain or range would give it;
    - an rdf:type triple is kept only for classes that have class axioms (subclass …).
    """
    out = Graph(store=SimpleMemory())
    for t in _relevant(_resource_triples(asserted, tbox), tbox):
        out.add(t)
    return out


def _relevant(candidates: set[Triple], tbox: Graph) -> set[Triple]:
    """`relevant_abox` over a set of resource-valued triples not about the ontology's terms."""
    if _uses_complex_constructs(tbox, candidates):
        return candidates
    productive: set[Node] = set()
    for axiom in _PROPERTY_AXIOMS:
        for s, o in tbox.subject_objects(axiom):
            productive.add(s)
            if axiom == OWL.propertyChainAxiom:
                productive.update(Collection(tbox, o))
            else:
                productive.add(o)
    for kind in _PROPERTY_KINDS:
        productive.update(tbox.subjects(RDF.type, kind))
    productive_classes: set[Node] = set()
    for axiom in _CLASS_AXIOMS:
        for s, o in tbox.subject_objects(axiom):
            productive_classes.add(s)
            if axiom != RDFS.subClassOf:
                productive_classes.add(o)
    domains: dict[Node, set[Node]] = {}
    ranges: dict[Node, set[Node]] = {}
    for p, c in tbox.subject_objects(RDFS.domain):
        domains.setdefault(p, set()).add(c)
    for p, c in tbox.subject_objects(RDFS.range):
        ranges.setdefault(p, set()).add(c)
    # What each predicate asks, worked out once per predicate (not once per triple): rdflib
    # compares terms in Python, and there are a million candidates at 100x.
    plans: dict[Node, tuple[int, tuple[Node, ...], tuple[Node, ...]]] = {}
    for p in {p for _, p, _ in candidates}:
        if p == _TYPE:
            plans[p] = (_IS_TYPE, (), ())
        elif p in productive:
            plans[p] = (_KEEP, (), ())
        else:
            plans[p] = (_UNTYPED, tuple(domains.get(p, ())), tuple(ranges.get(p, ())))
    types: set[tuple[Node, Node]] = {(s, o) for s, p, o in candidates if plans[p][0] == _IS_TYPE}
    out: set[Triple] = set()
    for s, p, o in candidates:
        action, p_domains, p_ranges = plans[p]
        if action == _IS_TYPE:
            keep = o in productive_classes
        elif action == _KEEP:
            keep = True
        else:
            keep = any((s, c) not in types for c in p_domains) or any(
                (o, c) not in types for c in p_ranges
            )
        if keep:
            out.add((s, p, o))
    return out


_IS_TYPE, _KEEP, _UNTYPED = 0, 1, 2  # what `_relevant` does with a predicate's triples


def _uses_complex_constructs(tbox: Graph, abox: set[Triple]) -> bool:
    for p in _COMPLEX:
        for s, _, _ in tbox.triples((None, p, None)):
            # owl:AllDisjointClasses (rule cax-adc) only reports an inconsistency: no triple
            # follows from it, so the pre-filter need not keep anything for it (`clashes` checks it)
            if p != OWL.members or (s, RDF.type, OWL.AllDisjointClasses) not in tbox:
                return True
    return _SAME_AS in {p for _, p, _ in abox}  # by hash: `==` on each would run in Python


def _is_meta(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(_META_NAMESPACES)


def _noise(triple: tuple[Node, Node, Node], tbox_terms: set[Node], known: set[Node]) -> bool:
    """Whether an inferred triple is left out (the module docstring lists what). `_Noise` is the
    same test with each term's part worked out once (the closure repeats its terms)."""
    s, p, o = triple
    if isinstance(s, Literal) or isinstance(o, Literal):
        return True
    if isinstance(s, BNode) and s not in known or isinstance(o, BNode) and o not in known:
        return True
    if s in tbox_terms or _is_meta(s):
        return True
    if p == _SAME_AS and s == o:
        return True
    return p == _TYPE and _is_meta(o)


class _Noise:
    """`_noise` for many triples: what it asks of a subject, of an object and of a predicate is
    kept per term, so each distinct term is tested once (at 100x the closure has 1.2 M triples
    over far fewer terms, and rdflib compares terms in Python)."""

    def __init__(self, tbox_terms: set[Node], known: set[Node]) -> None:
        self.tbox_terms, self.known = tbox_terms, known
        self.subjects: dict[Node, bool] = {}
        self.objects: dict[Node, tuple[bool, bool]] = {}  # (noise whatever p, noise if a type)
        self.predicates: dict[Node, int] = {}  # 1: owl:sameAs, 2: rdf:type, 0: other

    def __call__(self, triple: tuple[Node, Node, Node]) -> bool:
        s, p, o = triple
        bad_s = self.subjects.get(s)
        if bad_s is None:
            bad_s = self.subjects[s] = (
                isinstance(s, Literal)
                or isinstance(s, BNode)
                and s not in self.known
                or s in self.tbox_terms
                or _is_meta(s)
            )
        if bad_s:
            return True
        bad_o = self.objects.get(o)
        if bad_o is None:
            bad_o = self.objects[o] = (
                isinstance(o, Literal) or isinstance(o, BNode) and o not in self.known,
                _is_meta(o),
            )
        if bad_o[0]:
            return True
        kind = self.predicates.get(p)
        if kind is None:
            kind = self.predicates[p] = 1 if p == _SAME_AS else 2 if p == _TYPE else 0
        return kind == 1 and s == o or kind == 2 and bad_o[1]


# owlrl has no type information, so its classes are Any to mypy (disallow_subclassing_any).
class _OWLRLWithoutReflexiveSameAs(owlrl.OWLRL_Semantics):  # type: ignore[misc]
    """owlrl's OWL-RL rules, without storing `x owl:sameAs x` for every term (rule eq-ref).

    eq-ref makes a reflexive sameAs triple for every subject, predicate and object, which
    roughly doubles the graph owlrl walks on every cycle, and each of them then fires
    eq-sym/eq-trans/eq-rep-* only to re-derive triples already there: nothing new follows
    from `x owl:sameAs x` (the one exception, eq-diff1 on `x owl:differentFrom x`, flags an
    inconsistency that SHACL and the data never produce). The build dropped these triples
    from graph/inferred anyway; not making them halves the reasoning time
    (tests/test_reasoning.py checks that the result equals plain owlrl's).
    """

    def store_triple(self, t: tuple[Node, Node, Node]) -> None:
        if t[0] == t[2] and t[1] == _SAME_AS:
            return
        super().store_triple(t)


class _Namespace(Protocol):
    """What owlrl reads of rdflib's OWL, RDF and RDFS: terms by attribute and by name."""

    def __getitem__(self, name: str) -> URIRef: ...


class _ResolvedNamespace:
    """A namespace whose terms become plain attributes once looked up.

    rdflib's namespace classes check every attribute access in Python (about 1.5 µs), and
    owlrl's rules look up OWL.sameAs, RDF.type … once per rule per triple per cycle: over a
    million lookups for the five documents, a sixth of the reasoning time. The terms are the
    same URIRefs, so the closure is unchanged (tests/test_reasoning.py compares it with plain
    owlrl's).
    """

    def __init__(self, namespace: _Namespace) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term: URIRef = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return self._namespace[name]


@contextmanager
def _resolved_namespaces() -> Iterator[None]:
    """owlrl's rule modules see resolved namespaces while the closure runs, then their own."""
    saved = [
        (module, name, getattr(module, name))
        for module in (owlrl.OWLRL, owlrl.Closure)
        for name in ("OWL", "RDF", "RDFS")
        if hasattr(module, name)
    ]
    for module, name, namespace in saved:
        setattr(module, name, _ResolvedNamespace(namespace))
    try:
        yield
    finally:
        for module, name, namespace in saved:
            setattr(module, name, namespace)


def _owlrl_closure(facts: set[Triple], plain_owlrl: bool) -> set[Triple]:
    work = Graph(store=SimpleMemory())  # not context-aware: owlrl's many lookups are cheaper
    for t in facts:
        work.add(t)
    closure = owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics if plain_owlrl else _OWLRLWithoutReflexiveSameAs,
        axiomatic_triples=False,
        datatype_axioms=False,
    )
    with nullcontext() if plain_owlrl else _resolved_namespaces():
        closure.expand(work)
    return set(work)


def infer(
    asserted: Graph,
    ontology: Graph,
    *,
    prefilter: bool = True,
    plain_owlrl: bool = False,
    engine: str = "fast",
) -> Graph:
    """The OWL-RL entailments of `asserted` under `ontology` that are not already asserted.

    `asserted` is the union of the asserted graphs (it may include the ontology itself);
    `ontology` is ontology/reform.ttl. Returns a new Graph holding only inferred triples.
    `engine="fast"` closes with reformkg.graph.pipeline.closure (owlrl when the input needs a
    rule it does not run); `engine="owlrl"` always uses owlrl, the oracle the tests compare
    with. `prefilter=False` gives the engine every resource-valued triple (same result,
    slower: kept for the test that shows the pre-filter changes nothing, and for the
    benchmark); `plain_owlrl=True` uses owlrl's rules unchanged, eq-ref included, with
    rdflib's own namespace objects (same result, slower).
    """
    out = Graph()
    for t in infer_triples(
        asserted, ontology, prefilter=prefilter, plain_owlrl=plain_owlrl, engine=engine
    ):
        out.add(t)
    return out


def infer_triples(
    asserted: Iterable[Triple],
    ontology: Graph,
    *,
    prefilter: bool = True,
    plain_owlrl: bool = False,
    engine: str = "fast",
) -> set[Triple]:
    """`infer` over plain triples, as a set: what the build uses (an rdflib Graph costs
    microseconds per triple to fill, seconds at 100x)."""
    tbox = Graph()
    for t in ontology:
        tbox.add(t)
    axioms = [t for t in tbox if not isinstance(t[2], Literal)]  # labels: no rule reads them
    candidates = _resource_triples(asserted, tbox)
    abox = _relevant(candidates, tbox) if prefilter else candidates
    facts: set[Triple] = {*axioms, *abox}
    found = fast_closure(facts) if engine == "fast" and not plain_owlrl else None
    closed: Iterable[Triple] = (
        found if found is not None else _owlrl_closure(facts, plain_owlrl) - facts
    )
    tbox_terms = set(tbox.subjects()) | {o for o in tbox.objects() if isinstance(o, URIRef)}
    # Resources described by the data are never TBox terms, even when the ontology mentions
    # one (rdfs:seeAlso the theme scheme); keep their inferences.
    abox_subjects = {s for s, _, _ in abox}
    tbox_terms -= abox_subjects
    known = abox_subjects | {o for _, _, o in abox}
    # Every resource-valued triple already asserted (the ontology's too) is left out; the
    # literal-valued ones never come out of the closure: `_noise` drops them.
    noise, tbox_triples = _Noise(tbox_terms, known), set(tbox)
    return {t for t in closed if not noise(t) and t not in candidates and t not in tbox_triples}


#: An individual typed with two classes the ontology declares disjoint: (individual, c1, c2).
Clash = tuple[Node, Node, Node]


def disjoint_groups(ontology: Graph) -> list[tuple[Node, ...]]:
    """The classes the ontology declares pairwise disjoint: each owl:AllDisjointClasses list, and
    each owl:disjointWith pair."""
    groups: list[tuple[Node, ...]] = []
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in ontology.objects(node, OWL.members):
            groups.append(tuple(Collection(ontology, members)))
    groups += [(a, b) for a, b in ontology.subject_objects(OWL.disjointWith)]
    return groups


def clashes(
    types: Iterator[tuple[Node, Node]] | list[tuple[Node, Node]], ontology: Graph
) -> list[Clash]:
    """OWL 2 RL rules cax-adc and cax-dw: every individual of two disjoint classes, sorted.

    `types` are (individual, class) pairs, asserted and inferred together (the closure types a
    document a rk:Measure when a measure's rk:evolvesFrom points at it: rule prp-rng). The
    closure engine need not report these itself: they are read off its types here, which is
    what owlrl's own cax-adc does (tests/test_reasoning.py compares the two).
    """
    of: dict[Node, set[Node]] = {}
    for x, c in types:
        of.setdefault(x, set()).add(c)
    found: set[Clash] = set()
    for group in disjoint_groups(ontology):
        members = set(group)
        for x, classes in of.items():
            hit = sorted(classes & members, key=str)
            for i, c1 in enumerate(hit):
                for c2 in hit[i + 1 :]:
                    found.add((x, c1, c2))
    return sorted(found, key=lambda t: tuple(map(str, t)))

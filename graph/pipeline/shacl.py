"""Build time (and `reformkg validate`): the SHACL shapes checked by a compiled engine, pySHACL
only for what it does not compile.

pySHACL walks an rdflib Graph, which at 100x data (2.2 M quads) meant copying every quad into
one (3.3 GB, the build's peak) and 85-93 s of validation. Here the data is indexed once by
predicate and subject (only the predicates the shapes look at), each shape's constraints are
checked over all its focus nodes at once, and a value constraint (sh:datatype, sh:class,
sh:in …) is decided once per distinct value. Each component mirrors pySHACL's own code
(pyshacl/constraints/core), so the results are the same `Violation`s, messages included;
tests/test_shapes.py compares both engines on every component, broken one by one.

A shape that uses anything not compiled here (a component such as sh:node or sh:sparql, a
path that is not one IRI, a result without sh:message other than sh:or's, a parameter given
twice …) is not skipped: `compile_shapes` returns it to be checked by pySHACL, which then
gets the data as an rdflib Graph and only those shapes' targets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain
from typing import NamedTuple

from pyshacl.rdfutil.compare import compare_literal
from pyshacl.rdfutil.stringify import stringify_node
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, NamespaceManager
from rdflib.term import Node

__all__ = [
    "Compiled",
    "DataIndex",
    "Result",
    "Shape",
    "check",
    "compile_shapes",
    "query_predicates",
    "query_reads",
    "shape_predicates",
]

Triple = tuple[Node, Node, Node]
#: (shape, focus node, value node or None, constraint component)
Result = tuple["Shape", Node, Node | None, URIRef]
FocusValues = dict[Node, Sequence[Node]]

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: what a shape may say besides its constraints (pySHACL reads none of it as a constraint)
_STRUCTURE = {
    *_TARGETS,
    SH.path,
    SH.property,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    RDF.type,
}
_VALUE_PARAMS = {
    SH.datatype: SH.DatatypeConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
}
_FOCUS_PARAMS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.qualifiedValueShape: SH.QualifiedMinCountConstraintComponent,  # or …Max…: see _qualified
}
_QUALIFIED = (SH.qualifiedMinCount, SH.qualifiedMaxCount)
_PARAMS = {*_VALUE_PARAMS, *_FOCUS_PARAMS, *_QUALIFIED, SH.flags}
_INTEGERS = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long}


class Unsupported(Exception):
    """A shape this engine does not compile (pySHACL checks it)."""


@dataclass(eq=False)
class Shape:
    """One shape, compiled: its path, severity, message and constraints."""

    node: Node
    path: URIRef | None
    severity: str
    message: str
    graph: Graph
    params: dict[URIRef, Node] = field(default_factory=dict)
    properties: list[Shape] = field(default_factory=list)
    members: dict[Node, list[Shape]] = field(default_factory=dict)  # sh:or / qualified shapes


@dataclass
class Compiled:
    """The shapes split: compiled shapes with their targets, and the nodes pySHACL must check."""

    targeted: list[tuple[Shape, list[tuple[URIRef, Node]]]]
    fallback: list[Node]
    predicates: set[Node]


def _one(graph: Graph, node: Node, param: URIRef) -> Node:
    values = list(graph.objects(node, param))
    if len(values) != 1:
        raise Unsupported(f"{param} given {len(values)} times")
    return values[0]


def _compile(
    graph: Graph, node: Node, predicates: set[Node], *, top: bool, member: bool = False
) -> Shape:
    """One shape as `Shape`, or Unsupported. A `member` of sh:or or sh:qualifiedValueShape is
    only asked whether a node conforms: it reports nothing, so needs no message."""
    seen = set(graph.predicates(node, None))
    for p in seen:
        if str(p).startswith(str(SH)) and p not in _STRUCTURE and p not in _PARAMS:
            raise Unsupported(f"{p} is not compiled")
    if SH.deactivated in seen and not top:
        raise Unsupported("a deactivated shape inside another")
    path = None
    if SH.path in seen:
        p = _one(graph, node, SH.path)
        if not isinstance(p, URIRef):
            raise Unsupported("a path that is not one IRI")
        path = p
        predicates.add(p)
    severity = _one(graph, node, SH.severity) if SH.severity in seen else SH.Violation
    messages = sorted(str(m) for m in graph.objects(node, SH.message))
    shape = Shape(node, path, str(severity).rsplit("#", 1)[-1], "; ".join(messages), graph)
    own = [p for p in seen if isinstance(p, URIRef) and (p in _VALUE_PARAMS or p in _FOCUS_PARAMS)]
    if not messages and not member and any(p != SH["or"] for p in own):
        raise Unsupported("pySHACL's default messages are only made here for sh:or")
    for p in own:
        if p == SH["class"]:
            continue  # several classes: each is its own constraint
        shape.params[p] = _one(graph, node, p)
    for p in (*_QUALIFIED, SH.flags):
        if p in seen:
            shape.params[p] = _one(graph, node, p)
    _check_params(shape, graph, predicates)
    for prop in graph.objects(node, SH.property):
        shape.properties.append(_compile(graph, prop, predicates, top=False))
    for p in (SH["or"], SH.qualifiedValueShape):
        if p in shape.params:
            heads = list(graph.items(shape.params[p])) if p == SH["or"] else [shape.params[p]]
            members = []
            for m in heads:
                one = _compile(graph, m, predicates, top=False, member=True)
                if one.properties or SH.severity in set(graph.predicates(m, None)):
                    raise Unsupported("a member shape with its own properties or severity")
                members.append(one)
            shape.members[shape.params[p]] = members
    return shape


def _check_params(shape: Shape, graph: Graph, predicates: set[Node]) -> None:
    """Parameters of the kinds pySHACL accepts; anything else goes to pySHACL (which reports
    a broken shape rather than guessing)."""
    params = shape.params
    for p in (SH.minCount, SH.maxCount, SH.minLength, *_QUALIFIED):
        v = params.get(p)
        if v is not None and not (
            isinstance(v, Literal)
            and v.datatype in _INTEGERS
            and not v.ill_typed
            and isinstance(v.value, int)
            and v.value >= 0
        ):
            raise Unsupported(f"{p} is not a non-negative integer")
    if SH.qualifiedValueShape in params and not any(p in params for p in _QUALIFIED):
        raise Unsupported("sh:qualifiedValueShape without a count")
    if any(p in params for p in _QUALIFIED) and SH.qualifiedValueShape not in params:
        raise Unsupported("a qualified count without sh:qualifiedValueShape")
    if (SH.qualifiedValueShape in params or SH.uniqueLang in params) and shape.path is None:
        raise Unsupported("a property constraint on a node shape")
    if SH.uniqueLang in params and params[SH.uniqueLang] not in (Literal(True), Literal(False)):
        raise Unsupported("sh:uniqueLang is not a boolean")
    for p in (SH.lessThanOrEquals, SH.disjoint):
        if p in params:
            if not isinstance(params[p], URIRef) or shape.path is None:
                raise Unsupported(f"{p} needs an IRI on a property shape")
            predicates.add(params[p])
    for p in (SH["in"], SH.languageIn, SH["or"]):
        if p in params:
            items = list(graph.items(params[p]))
            if p == SH.languageIn and not all(
                isinstance(i, Literal) and isinstance(i.value, str) for i in items
            ):
                raise Unsupported("sh:languageIn is not a list of strings")
            if p == SH["or"] and not items:
                raise Unsupported("an empty sh:or")
    for p in (SH.pattern, SH.flags):
        if p in params and not isinstance(params[p], Literal):
            raise Unsupported(f"{p} is not a literal")
    for p in (SH.minInclusive, SH.minExclusive, SH.maxInclusive):
        if p in params and not isinstance(params[p], Literal):
            raise Unsupported(f"{p} is not a literal")


def compile_shapes(shapes: Graph) -> Compiled:
    """The shapes with targets, compiled where this engine can; the rest (as shape nodes) are
    left to pySHACL. SPARQL targets must have been resolved to sh:targetNode before."""
    custom = (None, RDF.type, SH.ConstraintComponent) in shapes or (
        None,
        SH.parameter,
        None,
    ) in shapes
    tops = {s for p in (*_TARGETS, SH.target) for s in shapes.subjects(p, None)}
    implicit = {
        s
        for s in shapes.subjects(RDF.type, None)
        if (s, RDF.type, RDFS.Class) in shapes
        and ((s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes)
    }
    predicates: set[Node] = {RDF.type, RDFS.subClassOf}
    out = Compiled([], [], predicates)
    for node in sorted(tops | implicit, key=str):
        if (node, SH.deactivated, Literal(True)) in shapes:
            continue
        try:
            if custom or node in implicit or (node, SH.target, None) in shapes:
                raise Unsupported("custom components, implicit or advanced targets")
            if any(v != Literal(False) for v in shapes.objects(node, SH.deactivated)):
                raise Unsupported("sh:deactivated neither true nor false")
            found: set[Node] = set()
            shape = _compile(shapes, node, found, top=True)
        except Unsupported:
            out.fallback.append(node)
            continue
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(node, p)]
        for p, o in targets:
            if p in (SH.targetSubjectsOf, SH.targetObjectsOf):
                found.add(o)
        predicates |= found
        out.targeted.append((shape, targets))
    return out


def shape_predicates(shapes: Graph) -> set[Node]:
    """Every predicate a shape of `shapes` may read: paths, compared properties, the
    properties of targets, rdf:type and rdfs:subClassOf (a superset of what is compiled)."""
    found: set[Node] = {RDF.type, RDFS.subClassOf}
    for p in (SH.path, SH.lessThanOrEquals, SH.disjoint, SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(o for o in shapes.objects(None, p) if isinstance(o, URIRef))
    return found


class DataIndex:
    """The data graph for the compiled shapes: objects by predicate and subject (repeats
    dropped, as in a Graph), for the predicates the shapes read only."""

    def __init__(self, triples: Iterable[Triple], predicates: set[Node]) -> None:
        index: dict[Node, dict[Node, list[Node]]] = {p: {} for p in predicates}
        get = index.get
        for s, p, o in triples:
            by_subject = get(p)
            if by_subject is not None:
                values = by_subject.get(s)
                if values is None:
                    by_subject[s] = [o]
                else:
                    values.append(o)
        for by_subject in index.values():
            for values in by_subject.values():
                if len(values) > 1:
                    values[:] = dict.fromkeys(values)
        self.values = index
        self.types = self.values[RDF.type]
        self._supers = self.values[RDFS.subClassOf]
        self._instances: dict[Node, list[Node]] | None = None
        self._ancestors: dict[Node, set[Node]] = {}

    def triples(self, predicates: set[URIRef], classes: set[URIRef] | None) -> Iterator[Triple]:
        """The triples of `predicates` (each in the index), of rdf:type only those of
        `classes` (None: all)."""
        for p in predicates:
            if p == RDF.type and classes is not None:
                by_class = self.direct_instances()
                for c in classes:
                    for s in by_class.get(c, ()):
                        yield s, p, c
                continue
            for s, objects in self.values[p].items():
                for o in objects:
                    yield s, p, o

    def direct_instances(self) -> dict[Node, list[Node]]:
        """Subjects by the class of each of their rdf:type triples."""
        if self._instances is None:
            self._instances = {}
            for s, types in self.types.items():
                for t in types:
                    self._instances.setdefault(t, []).append(s)
        return self._instances

    def objects(self, subject: Node, predicate: Node) -> Sequence[Node]:
        return self.values.get(predicate, {}).get(subject, ())

    def ancestors(self, cls: Node) -> set[Node]:
        """cls and every class it is rdfs:subClassOf*, as rdflib's transitive_objects."""
        found = self._ancestors.get(cls)
        if found is None:
            found, todo = {cls}, [cls]
            while todo:
                for sup in self._supers.get(todo.pop(), ()):
                    if sup not in found:
                        found.add(sup)
                        todo.append(sup)
            self._ancestors[cls] = found
        return found

    def instances(self, cls: Node) -> set[Node]:
        """Nodes typed cls or a subclass of it (SHACL's instances, pySHACL's targetClass)."""
        direct = self.direct_instances()
        subs = {cls}
        todo = [cls]
        below: dict[Node, list[Node]] = {}
        for s, sups in self._supers.items():
            for sup in sups:
                below.setdefault(sup, []).append(s)
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in subs:
                    subs.add(sub)
                    todo.append(sub)
        return {s for c in subs for s in direct.get(c, ())}

    def focus(self, targets: list[tuple[URIRef, Node]]) -> set[Node]:
        nodes: set[Node] = set()
        for p, o in targets:
            if p == SH.targetNode:
                nodes.add(o)
            elif p == SH.targetClass:
                nodes |= self.instances(o)
            elif p == SH.targetSubjectsOf:
                nodes.update(self.values[o])
            else:
                nodes.update(chain.from_iterable(self.values[o].values()))
        return nodes


class _Checker:
    """The constraints of compiled shapes over one DataIndex."""

    def __init__(self, data: DataIndex, namespaces: NamespaceManager) -> None:
        self.data = data
        self.namespaces = namespaces
        self._conforms: dict[tuple[int, Node], bool] = {}
        self._patterns: dict[tuple[str, str], re.Pattern[str]] = {}

    def shape(self, shape: Shape, focus: Iterable[Node]) -> Iterator[Result]:
        """Every result of `shape` (and its property shapes) on `focus`."""
        if shape.path is None:
            fv: FocusValues = {f: (f,) for f in focus}
        else:
            by_subject = self.data.values[shape.path]
            fv = {f: by_subject.get(f, ()) for f in focus}
        for param, arg in shape.params.items():
            if param in _VALUE_PARAMS:
                ok = self._value_test(shape, param, arg)
                component = _VALUE_PARAMS[param]
                for f, vs in fv.items():
                    for v in vs:
                        if not ok(v):
                            yield shape, f, v, component
            elif param in _FOCUS_PARAMS:
                yield from self._focus_test(shape, param, arg, fv)
        for cls in shape.graph.objects(shape.node, SH["class"]):
            known: dict[Node, bool] = {}
            for f, vs in fv.items():
                for v in vs:
                    if isinstance(v, Literal):
                        yield shape, f, v, _CLASS
                        continue
                    found = known.get(v)
                    if found is None:
                        found = known[v] = self._instance_of(v, cls)
                    if not found:
                        yield shape, f, v, _CLASS
        if shape.properties:
            children = set(chain.from_iterable(fv.values()))
            for prop in shape.properties:
                yield from self.shape(prop, children)

    def conforms(self, shape: Shape, node: Node) -> bool:
        key = (id(shape), node)
        found = self._conforms.get(key)
        if found is None:
            found = self._conforms[key] = next(iter(self.shape(shape, [node])), None) is None
        return found

    def _instance_of(self, v: Node, cls: Node) -> bool:
        if isinstance(v, Literal):
            return False
        return any(t == cls or cls in self.data.ancestors(t) for t in self.data.types.get(v, ()))

    def _value_test(self, shape: Shape, param: URIRef, arg: Node) -> Callable[[Node], bool]:
        if param == SH.datatype:
            return _datatype_test(arg)
        if param == SH["in"]:
            allowed = set(shape.graph.items(arg))
            return lambda v: v in allowed
        if param == SH.languageIn:
            return _language_test({str(i).lower() for i in shape.graph.items(arg)})
        if param == SH.minLength:
            n = arg.value  # type: ignore[attr-defined]
            return lambda v: n == 0 or (not isinstance(v, BNode) and len(_string(v)) >= n)
        if param in (SH.minInclusive, SH.minExclusive, SH.maxInclusive):
            return _range_test(param, arg)  # type: ignore[arg-type]
        if param == SH.pattern:
            regex = self._regex(arg, shape.params.get(SH.flags))  # type: ignore[arg-type]
            return lambda v: (
                not isinstance(v, BNode)
                and bool(regex.match(_string(v)) or regex.search(_string(v)))
            )
        members = shape.members[arg]  # sh:or
        return lambda v: any(self.conforms(m, v) for m in members)

    def _regex(self, pattern: Literal, flags: Literal | None) -> re.Pattern[str]:
        text = (
            str(pattern.value)
            if pattern.value is not None and len(pattern.value) > 1
            else str(pattern)
        )
        options = str(flags.value).lower() if flags is not None else ""
        key = (text, options)
        if key not in self._patterns:
            bits = (re.I if "i" in options else 0) | (re.M if "m" in options else 0)
            self._patterns[key] = re.compile(text, bits)
        return self._patterns[key]

    def _focus_test(
        self, shape: Shape, param: URIRef, arg: Node, fv: FocusValues
    ) -> Iterator[Result]:
        component = _FOCUS_PARAMS[param]
        if param == SH.minCount:
            n = arg.value  # type: ignore[attr-defined]
            if n:
                yield from ((shape, f, None, component) for f, vs in fv.items() if len(vs) < n)
        elif param == SH.maxCount:
            n = arg.value  # type: ignore[attr-defined]
            yield from ((shape, f, None, component) for f, vs in fv.items() if len(vs) > n)
        elif param == SH.uniqueLang:
            if arg == Literal(True):
                for f, vs in fv.items():
                    if len(vs) > 1:
                        langs = [
                            v.language.lower() for v in vs if isinstance(v, Literal) and v.language
                        ]
                        if len(set(langs)) < len(langs):
                            yield shape, f, None, component
        elif param == SH.hasValue:
            yield from ((shape, f, None, component) for f, vs in fv.items() if arg not in vs)
        elif param == SH.disjoint:
            for f, vs in fv.items():
                for common in set(vs) & set(self.data.objects(f, arg)):
                    yield shape, f, common, component
        elif param == SH.lessThanOrEquals:
            for f, vs in fv.items():
                others = set(self.data.objects(f, arg))
                for v in set(vs):
                    if not all(_less_or_equal(v, o) for o in others):
                        yield shape, f, v, component
        else:
            yield from self._qualified(shape, arg, fv)

    def _qualified(self, shape: Shape, arg: Node, fv: FocusValues) -> Iterator[Result]:
        low = shape.params.get(SH.qualifiedMinCount)
        high = shape.params.get(SH.qualifiedMaxCount)
        low_n = low.value if isinstance(low, Literal) else None
        high_n = high.value if isinstance(high, Literal) else None
        if not any(fv.values()) and (low_n is None or low_n < 1):
            return
        (member,) = shape.members[arg]
        for f, vs in fv.items():
            n = sum(1 for v in vs if self.conforms(member, v))
            if high_n is not None and n > high_n:
                yield shape, f, None, SH.QualifiedMaxCountConstraintComponent
            if low_n is not None and n < low_n:
                yield shape, f, None, SH.QualifiedMinCountConstraintComponent

    def message(self, shape: Shape, value: Node | None) -> str:
        """sh:message, or pySHACL's default message for sh:or (the only one made here)."""
        if shape.message:
            return shape.message
        heads = list(shape.graph.objects(shape.node, SH["or"]))
        graph = shape.graph
        if len(heads) < 2:
            alternatives = " , ".join(stringify_node(graph, m) for m in graph.items(heads[0]))
        else:
            alternatives = " and ".join(
                "(" + " , ".join(stringify_node(graph, m) for m in graph.items(h)) + ")"
                for h in heads
            )
        try:
            value_text = stringify_node(Graph(namespace_manager=self.namespaces), value)  # type: ignore[arg-type]
        except (LookupError, ValueError):
            value_text = str(value)
        return f"Node {value_text} must conform to one or more shapes in {alternatives}"


_PLAIN = (None, RDF.langString, XSD.string)


def _string(v: Node) -> str:
    """pySHACL's value_node_to_string: a string literal's value, else the lexical form."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in _PLAIN:
        return str(v.value)
    return str(v)


_ACTUAL: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}
_CLASS = SH.ClassConstraintComponent
_XSD_STRING, _LANG_STRING = XSD.string, RDF.langString
_RDFS_LITERAL, _RDFS_DATATYPE = RDFS.Literal, RDFS.Datatype


def _datatype_test(rule: Node) -> Callable[[Node], bool]:
    """pySHACL's DatatypeConstraintComponent for one value, specialised for one datatype."""
    kind = _ACTUAL.get(rule, object)  # a datatype pySHACL does not know: any value passes
    to_string = rule == _XSD_STRING
    to_lang = rule == _LANG_STRING
    any_literal = rule == _RDFS_LITERAL
    any_typed = rule == _RDFS_DATATYPE

    def ok(v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        datatype = v.datatype
        if datatype is not None and datatype == rule:
            return v.ill_typed is not True and isinstance(v.value, kind)
        if any_literal:
            return True
        if any_typed and datatype:
            return True
        if datatype is None:
            if v.language is None:
                return to_string and isinstance(v.value, kind)
            return to_lang and isinstance(v.value, kind)
        return False

    return ok


def _language_test(languages: set[str]) -> Callable[[Node], bool]:
    def ok(v: Node) -> bool:
        if not isinstance(v, Literal) or not v.language:
            return False
        lang = str(v.language).lower()
        return "*" in languages or lang in languages or lang.split("-")[0] in languages

    return ok


_NUMBERS = (int, Decimal)  # exactly these types (not bool): compared as Python compares them


def _range_test(param: URIRef, bound: Literal) -> Callable[[Node], bool]:
    """pySHACL's min/max constraints for one value (pyshacl.rdfutil.compare_literal, which for
    two integer or decimal values orders them as Python does: the fast path)."""
    bound_is_string = isinstance(bound.value, str)
    bound_number = bound.value if type(bound.value) in _NUMBERS else None
    low, strict = param in (SH.minInclusive, SH.minExclusive), param == SH.minExclusive

    def ok(v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        value = v.value
        if bound_number is not None and type(value) in _NUMBERS:
            cmp = (value > bound_number) - (value < bound_number)
        else:
            if isinstance(value, str) != bound_is_string:
                return False
            try:
                cmp = compare_literal(v, bound)  # type: ignore[no-untyped-call]
            except (TypeError, NotImplementedError):
                return False
        if low:
            return bool(cmp > 0) if strict else bool(cmp >= 0)
        return bool(cmp <= 0)

    return ok


def _less_or_equal(value: Node, other: Node) -> bool:
    """pySHACL's _compare_ltoe for one pair."""
    if isinstance(value, BNode) or isinstance(other, BNode):
        raise ValueError("Cannot use sh:lessThanOrEquals to compare a BlankNode.")
    a: object = value
    b: object = other
    a_string = isinstance(value, URIRef) or (
        isinstance(value, Literal) and isinstance(value.value, str)
    )
    b_string = isinstance(other, URIRef) or (
        isinstance(other, Literal) and isinstance(other.value, str)
    )
    if a_string:
        a = str(value) if isinstance(value, URIRef) else value.value  # type: ignore[attr-defined]
    if b_string:
        b = str(other) if isinstance(other, URIRef) else other.value  # type: ignore[attr-defined]
    if a_string != b_string:
        return False
    return bool(a <= b)  # type: ignore[operator]


def check(
    compiled: Compiled, data: DataIndex, namespaces: NamespaceManager
) -> Iterator[tuple[Shape, Node, Node | None, URIRef, str]]:
    """Every result of the compiled shapes: (shape, focus, value, component, message)."""
    checker = _Checker(data, namespaces)
    for shape, targets in compiled.targeted:
        for result_shape, focus, value, component in checker.shape(shape, data.focus(targets)):
            yield result_shape, focus, value, component, checker.message(result_shape, value)


_TOKEN = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|[?$][\w]+|\^\^|@[A-Za-z][\w-]*|#[^\n]*"
    r"|[A-Za-z_][\w.-]*:[\w.-]*(?<!\.)|:[\w.-]*(?<!\.)|[A-Za-z_]\w*|\d+(?:\.\d+)?|\S"
)
_PATH_OPERATORS = {"/", "|", "^"}
_PATH_MODIFIERS = {"+", "*", "?"}


class Reads(NamedTuple):
    """What a SPARQL query can read: triples of `predicates`, and of rdf:type only those whose
    class is in `types` (None: any rdf:type triple)."""

    predicates: set[str]
    types: set[str] | None


def query_predicates(query: str, prefixes: dict[str, str]) -> set[str] | None:
    """The predicate IRIs a SPARQL query can read, or None when it may read any predicate."""
    reads = query_reads(query, prefixes)
    return None if reads is None else reads.predicates


def query_reads(query: str, prefixes: dict[str, str]) -> Reads | None:
    """What a SPARQL query can read (`Reads`), or None when it may read any predicate.

    Why: pyoxigraph answers the SPARQL targets fast, but a store of every quad costs more
    than the validation (31 s of Python at 100x). When no triple pattern has a variable (or a
    negated or bracketed path) as its predicate, only triples whose predicate the query names
    can match, so a store of those triples answers the same. The scan is conservative: what
    it does not follow counts as "any predicate" (None), and the caller loads everything.
    Likewise `?x a rk:Measure` reads the rdf:type triples of rk:Measure only (a class as a
    variable, in a path or an inverse path reads them all)."""
    names: set[str] = set()
    types: set[str] | None = set()
    typed = last_typed = False  # the predicate (of the last object) is rdf:type, plainly
    stack: list[str] = []  # "group" ({ … }) or "expr" (( … ))
    pos = 0  # in a group: 0 subject, 1 predicate, 2 after a predicate step, 3 after an object
    literal_type = False
    for tok in _TOKEN.findall(query):
        if tok.startswith("#"):
            continue
        if tok.startswith("<") and len(tok) > 1 and tok.endswith(">"):
            names.add(tok[1:-1])
        elif ":" in tok and not tok.startswith(('"', "'", "?", "$")):
            prefix, local = tok.split(":", 1)
            if prefix not in prefixes:
                return None
            names.add(prefixes[prefix] + local)
        if literal_type:  # the datatype of "…"^^xsd:date is no predicate position
            literal_type = False
            continue
        if tok == "^^":
            literal_type = True
            continue
        if tok == "{":
            stack.append("group")
            pos = 0
            continue
        if tok == "}":
            if not stack or stack.pop() != "group":
                return None
            pos = 0
            continue
        context = stack[-1] if stack else "outside"
        if tok == "(":
            if context == "group" and pos in (1, 2):
                return None  # a bracketed path: not followed here
            stack.append("expr")
            continue
        if tok == ")":
            if not stack or stack.pop() != "expr":
                return None
            continue
        if context != "group" or tok.startswith("@"):
            continue
        if tok == ".":
            pos = 0
        elif tok == ";":
            pos = 1
        elif tok == ",":
            if pos == 3:  # another object of the same predicate
                pos, typed = 2, last_typed
        elif tok in ("[", "]", "!"):
            return None  # blank-node property lists, negated paths: not followed here
        elif pos == 1:
            if tok == "^":
                types = None  # an inverse path: rdf:type read from the class's side
                continue
            if tok == "a" or tok.startswith("<") or ":" in tok:
                step = str(RDF.type) if tok == "a" else _expand(tok, prefixes)
                names.add(step)
                typed = step == str(RDF.type)
                pos = 2
            else:
                return None  # a variable (or anything else) as the predicate
        elif pos == 2:
            if tok in _PATH_OPERATORS or tok in _PATH_MODIFIERS:
                if typed:
                    types = None  # rdf:type in a path
                typed = False
                if tok in _PATH_OPERATORS:
                    pos = 1
                continue
            if typed:
                if types is not None and (tok.startswith("<") or ":" in tok):
                    types.add(_expand(tok, prefixes))
                else:
                    types = None  # a class not written out
            last_typed, typed = typed, False
            pos = 3  # the object
        elif pos == 0:
            if tok.isalpha() and ":" not in tok and not tok.startswith(("?", "$")):
                continue  # a keyword: FILTER, BIND, OPTIONAL, MINUS, UNION, VALUES …
            pos = 1  # the subject
        else:
            if tok.isalpha() and ":" not in tok:
                pos = 0  # a keyword after a pattern without its "."
    return Reads(names, types)


def _expand(tok: str, prefixes: dict[str, str]) -> str:
    """An IRI token (<…> or prefix:local; the prefix checked known already) as the IRI."""
    if tok.startswith("<"):
        return tok[1:-1]
    prefix, local = tok.split(":", 1)
    return prefixes[prefix] + local

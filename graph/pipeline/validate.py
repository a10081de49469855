"""SHACL validation of the built graph (pySHACL), and a formatter an analyst can read.

The shapes live in ontology/shapes.ttl. `validate` returns one `Violation` per SHACL result,
sorted, with IRIs kept whole; `format_violations` prints them one per line with prefixes,
so "which measure, which property, what is wrong" reads at a glance. By default only
sh:Violation results are returned (they fail the build); `include_warnings=True` adds
sh:Warning and sh:Info results (for example a measure the classifier gave no theme).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH, NamespaceManager
from rdflib.term import Node

from reformkg.graph.pipeline import shacl
from reformkg.graph.pipeline.terms import load_triples, rdflib_term
from reformkg.vocab import prefixes

__all__ = [
    "PREFIXES",
    "Violation",
    "format_violations",
    "load_built_graph",
    "load_built_graphs",
    "load_shapes",
    "shorten",
    "validate",
    "validate_triples",
]

#: Prefixes used to shorten terms in messages, in the order they are tried.
PREFIXES = {
    f"{p}:": ns
    for p, ns in prefixes(
        "id", "rk", "rks", "skos", "dcterms", "prov", "org", "rdfs", "rdf", "xsd", "sh"
    ).items()
}
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result: which node, which property, what is wrong."""

    severity: str  # Violation | Warning | Info
    focus: str
    path: str  # "" for node-level constraints (SPARQL)
    message: str
    value: str = ""
    shape: str = ""
    component: str = ""


def shorten(term: str) -> str:
    """An IRI written with the project's prefixes (Chinese kept as is)."""
    for prefix, ns in PREFIXES.items():
        if term.startswith(ns):
            return prefix + term[len(ns) :]
    return term


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_SHAPE_REFERENCES = (SH.node, SH.qualifiedValueShape, SH["not"], SH["and"], SH["or"], SH.xone)


def load_shapes(shapes_path: Path, *, lift: bool = True) -> Graph:
    """The shapes graph, with the property shapes of targeted node shapes lifted (`lift`).

    shapes.ttl nests property shapes in node shapes (`rks:MeasureShape sh:property [...]`),
    the readable form. pySHACL evaluates a nested property shape once per focus node, building
    its constraints anew each time (16 700 evaluations for the five documents), but a property
    shape with targets of its own once for all its focus nodes. `lift` gives each nested
    property shape its node shape's targets and detaches it: the same results (a nested
    property shape's results are its own, with its own severity and sh:sourceShape), in about
    a quarter of the time. Node shapes that other shapes refer to (sh:node, sh:or …), that are
    deactivated or that have SPARQL targets are left as written. tests/test_shapes.py checks
    that lifted and written shapes report the same results.
    """
    g = Graph()
    g.parse(Path(shapes_path), format="turtle")
    if lift:
        _lift_property_shapes(g)
    return g


def _lift_property_shapes(g: Graph) -> None:
    referenced = {o for p in _SHAPE_REFERENCES for o in g.objects(None, p)}
    for shape in set(g.subjects(SH.property, None)):
        targets = [(p, o) for p in _TARGETS for o in g.objects(shape, p)]
        if (
            not targets
            or shape in referenced
            or (shape, SH.target, None) in g
            or (shape, SH.deactivated, None) in g
        ):
            continue
        for prop in set(g.objects(shape, SH.property)):
            shared = len(set(g.subjects(SH.property, prop))) > 1
            own_targets = any((prop, t, None) in g for t in (*_TARGETS, SH.target))
            if shared or prop in referenced or own_targets:
                continue
            for p, o in targets:
                g.add((prop, p, o))
            g.remove((shape, SH.property, prop))


def _copy(graph: Graph) -> Graph:
    out = Graph()
    for t in graph:
        out.add(t)
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns)
    return out


def _text(node: Node | None) -> str:
    return "" if node is None else str(node)


def resolve_sparql_targets(
    shapes: Graph,
    data: Iterable[tuple[Node, Node, Node]],
    namespaces: Iterable[tuple[str, Node]] | None = None,
) -> None:
    """Replace each SPARQL target (sh:target [ a sh:SPARQLTarget ; sh:select … ]) of `shapes`
    by the nodes it selects in `data`, as sh:targetNode, the query run by pyoxigraph.

    The cross-node rules of shapes.ttl are SPARQL targets that select the offending nodes;
    pySHACL evaluates them with rdflib's SPARQL engine, two thirds of the validation time for
    the five documents. The nodes are the same, so the results are (same focus nodes, shapes,
    messages); tests/test_shapes.py compares both ways on good and broken data. `data` is the
    graph to validate or its triples; `namespaces` the prefixes rdflib would know (by default
    those of `data` when it is a Graph, else a new Graph's). pyoxigraph is given only the
    triples the queries can read (`shacl.query_reads`), when that can be told.
    """
    if namespaces is None:
        namespaces = list((data if isinstance(data, Graph) else Graph()).namespaces())
    queries = _target_queries(shapes, namespaces)
    if not queries:
        return
    store = ox.Store()
    reads = _reads(queries)
    if reads is None:
        load_triples(store, data)
    else:
        read, classes = reads
        load_triples(
            store,
            (
                t
                for t in data
                if t[1] in read and (classes is None or t[1] != RDF.type or t[2] in classes)
            ),
        )
    _select_targets(shapes, queries, store)


_TargetQuery = tuple[Node, Node, str, shacl.Reads | None]


def _target_queries(shapes: Graph, namespaces: Iterable[tuple[str, Node]]) -> list[_TargetQuery]:
    """Each SPARQL target as (shape, target, query with its prefixes, what it can read)."""
    targets = [
        (shape, target, str(query))
        for target in set(shapes.subjects(RDF.type, SH.SPARQLTarget))
        for query in shapes.objects(target, SH.select)
        for shape in shapes.subjects(SH.target, target)
    ]
    namespaces = list(namespaces)
    queries: list[_TargetQuery] = []
    for shape, target, query in targets:
        # rdflib, which pySHACL runs the queries with, knows the data graph's prefixes too
        # (xsd:, rdf: … by default); the declared ones come on top.
        known = {str(p): str(ns) for p, ns in namespaces}
        declared = [
            (str(prefix), str(namespace))
            for prefixes in shapes.objects(target, SH.prefixes)
            for decl in shapes.objects(prefixes, SH.declare)
            for prefix in shapes.objects(decl, SH.prefix)
            for namespace in shapes.objects(decl, SH.namespace)
        ]
        known.update(declared)
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(known.items()) if p)
        queries.append((shape, target, head + query, shacl.query_reads(query, known)))
    return queries


def _reads(queries: list[_TargetQuery]) -> tuple[set[URIRef], set[URIRef] | None] | None:
    """The predicates and rdf:type classes (None: all) the queries can read; None when one
    query may read any predicate."""
    reads = [r for *_, r in queries if r is not None]
    if len(reads) < len(queries):
        return None
    read = {URIRef(n) for r in reads for n in r.predicates}
    if any(r.types is None for r in reads):
        return read, None
    return read, {URIRef(c) for r in reads for c in r.types or ()}


def _select_targets(shapes: Graph, queries: list[_TargetQuery], store: ox.Store) -> None:
    for shape, target, query, _read in queries:
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        nodes = {row["this"] for row in solutions}
        shapes.remove((shape, SH.target, target))
        for node in nodes:
            if node is not None:
                shapes.add((shape, SH.targetNode, rdflib_term(node)))


def validate(
    data: Graph,
    shapes_path: Path | Graph,
    *,
    include_warnings: bool = False,
    sparql_targets: str = "oxigraph",
    engine: str = "compiled",
) -> list[Violation]:
    """Validate `data` (the default dataset and the ontology, not the closure) against the shapes.

    `sparql_targets="oxigraph"` selects the SPARQL targets' nodes with pyoxigraph
    (`resolve_sparql_targets`); "pyshacl" leaves them to pySHACL (same results, slower: the
    oracle of the tests). `engine="compiled"` checks the shapes with reformkg.graph.pipeline.shacl
    (pySHACL only for what it does not compile); "pyshacl" with pySHACL alone (the oracle)."""
    shapes = shapes_path if isinstance(shapes_path, Graph) else load_shapes(shapes_path)
    if sparql_targets == "oxigraph":
        if isinstance(shapes_path, Graph):
            shapes = _copy(shapes_path)  # the caller's shapes stay as written
        resolve_sparql_targets(shapes, data)
    if engine == "pyshacl":
        return _sorted(_pyshacl(data, shapes, include_warnings))
    return validate_triples(
        lambda: data,
        shapes,
        include_warnings=include_warnings,
        data_graph=lambda: data,
        namespaces=data.namespace_manager,
        sparql_targets=False,  # selected above, or left to pySHACL
    )


def validate_triples(
    triples: Callable[[], Iterable[tuple[Node, Node, Node]]],
    shapes: Graph,
    *,
    include_warnings: bool = False,
    data_graph: Callable[[], Graph] | None = None,
    namespaces: NamespaceManager | None = None,
    sparql_targets: bool = True,
) -> list[Violation]:
    """Validate the triples `triples()` against `shapes` with the compiled engine, without an
    rdflib Graph of the data; the shapes it does not compile go to pySHACL over `data_graph()`
    (by default a Graph of `triples()`), never skipped. `namespaces` write the nodes of
    pySHACL's default messages and prefix the SPARQL targets (by default a new Graph's).

    The data is read once, into the index the constraints are checked on; SPARQL targets left
    in `shapes` (modified: they become sh:targetNode) are selected by pyoxigraph over the
    triples of that index they can read, unless one may read any predicate (`sparql_targets`
    False: they are left to pySHACL, the oracle)."""
    if namespaces is None:
        namespaces = Graph().namespace_manager
    queries = _target_queries(shapes, namespaces.namespaces()) if sparql_targets else []
    reads = _reads(queries) if queries else (set(), set())
    predicates = shacl.shape_predicates(shapes)
    if reads is not None:
        predicates |= reads[0]
    index = shacl.DataIndex(triples(), predicates)
    if queries:
        store = ox.Store()
        load_triples(store, triples() if reads is None else index.triples(*reads))
        _select_targets(shapes, queries, store)
        del store
    compiled = shacl.compile_shapes(shapes)
    out = [
        Violation(
            severity=shape.severity,
            focus=str(focus),
            path=str(shape.path) if shape.path is not None else "",
            message=message,
            value=_text(value),
            shape=str(shape.node),
            component=str(component),
        )
        for shape, focus, value, component, message in shacl.check(compiled, index, namespaces)
        if include_warnings or shape.severity == "Violation"
    ]
    del index
    if compiled.fallback:
        rest = _copy(shapes)
        for shape, _targets in compiled.targeted:  # checked above; still usable by reference
            for p in _TARGETS:
                rest.remove((shape.node, p, None))
        if data_graph is not None:
            graph = data_graph()
        else:
            graph = Graph()
            for t in triples():
                graph.add(t)
        out += _pyshacl(graph, rest, include_warnings)
    return _sorted(out)


def _pyshacl(data: Graph, shapes: Graph, include_warnings: bool) -> list[Violation]:
    """pySHACL's results over `data` (the oracle, and the fallback of the compiled engine)."""
    _conforms, report, text_report = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
        meta_shacl=False,
        inplace=True,  # no copy of the data: no inference and no SHACL rules change it
    )
    if not isinstance(report, Graph):  # pySHACL reports broken shapes instead of raising
        raise ValueError(f"the SHACL shapes cannot be used: {report or text_report}")
    out: list[Violation] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = _text(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        if severity != "Violation" and not include_warnings:
            continue
        path = report.value(result, SH.resultPath)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        out.append(
            Violation(
                severity=severity,
                focus=_text(report.value(result, SH.focusNode)),
                path=_text(path) if isinstance(path, URIRef) else "",
                message="; ".join(messages),
                value=_text(report.value(result, SH.value)),
                shape=_text(report.value(result, SH.sourceShape)),
                component=_text(report.value(result, SH.sourceConstraintComponent)),
            )
        )
    return out


def _sorted(found: Iterable[Violation]) -> list[Violation]:
    return sorted(
        set(found),
        # every field, so that two results differing only in their constraint come out in
        # one order on every run (a set's order changes with the hash seed)
        key=lambda v: (
            _SEVERITY_ORDER.get(v.severity, 3),
            v.focus,
            v.path,
            v.message,
            v.value,
            v.component,
            v.shape,
        ),
    )


def format_violations(violations: Iterable[Violation]) -> str:
    """One line per result: severity, focus node, property, message, offending value."""
    lines = []
    for v in violations:
        where = shorten(v.focus) + (f"  {shorten(v.path)}" if v.path else "")
        value = f"  (value: {shorten(v.value)[:80]})" if v.value else ""
        lines.append(f"{v.severity:9}  {where}: {v.message}{value}")
    return "\n".join(lines)


def load_built_graph(build_dir: Path, *, with_inferred: bool = False) -> Graph:
    """The built dataset (dataset.nq) as one graph: the default dataset (asserted and derived
    graphs, the ontology among them), plus graph/inferred when `with_inferred`.

    Validation reads the default dataset, not the closure: in the closure a property's range
    types whatever it points at, so a link to the wrong kind of thing passes every sh:class.
    Raises FileNotFoundError when there is no build, ValueError when the file cannot be read.
    """
    default, inferred = load_built_graphs(build_dir)
    if with_inferred:
        for t in inferred:
            default.add(t)
    return default


def load_built_graphs(build_dir: Path) -> tuple[Graph, Graph]:
    """dataset.nq as (the default dataset as one graph, graph/inferred)."""
    from rdflib import Dataset

    from reformkg.vocab import INFERRED_GRAPH

    path = Path(build_dir) / "dataset.nq"
    if not path.is_file():
        raise FileNotFoundError(str(path))
    ds = Dataset()
    try:
        ds.parse(path, format="nquads")
    except Exception as err:  # rdflib raises several parser-specific types
        raise ValueError(f"{path}: {err}") from None
    default, inferred = Graph(), Graph()
    for s, p, o, g in ds.quads((None, None, None, None)):
        graph = g.identifier if isinstance(g, Graph) else g
        (inferred if graph == INFERRED_GRAPH else default).add((s, p, o))
    return default, inferred

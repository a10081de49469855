"""graph/derived: the shortcut entailments the build states itself (issue 18 #2).

owlrl is the oracle: every derived triple is in the OWL 2 RL closure of the asserted data, and
every triple of a derived property in the closure is asserted or derived. So the default
dataset answers the shortcuts exactly as the closure does, whichever engine computes it.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from reformkg.graph.pipeline.derive import DERIVED_PROPERTIES, derive
from reformkg.graph.pipeline.reason import infer
from reformkg.vocab import DERIVED_GRAPH, DESCRIPTION_GRAPH, ID, INFERRED_GRAPH, RK

from checkout import ROOT


def _graphs(build_dir: Path) -> tuple[Graph, set, set]:
    """The asserted graphs (neither derived, inferred nor the description), and the derived
    and inferred triples of the build."""
    ds = Dataset()
    ds.parse(build_dir / "dataset.nq", format="nquads")
    asserted, derived, inferred = Graph(), set(), set()
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = g.identifier if isinstance(g, Graph) else g
        if name == DERIVED_GRAPH:
            derived.add((s, p, o))
        elif name == INFERRED_GRAPH:
            inferred.add((s, p, o))
        elif name != DESCRIPTION_GRAPH:
            asserted.add((s, p, o))
    return asserted, derived, inferred


def test_derived_is_what_the_closure_says_of_the_shortcuts(build_dir: Path):
    asserted, derived, _ = _graphs(build_dir)
    ontology = Graph().parse(ROOT / "ontology" / "reform.ttl")
    closure = set(infer(asserted, ontology)) | set(asserted)
    # rk:hasMeasure is defined by the ontology's text, not by an axiom: the closure lacks it
    by_axiom = {t for t in derived if t[1] != RK.hasMeasure}
    assert by_axiom, "nothing derived"
    assert by_axiom <= closure, sorted(by_axiom - closure)[:5]
    expected = {t for t in closure if t[1] in DERIVED_PROPERTIES} - set(asserted)
    assert by_axiom == expected


def test_the_build_wrote_what_derive_computes(build_dir: Path):
    asserted, derived, inferred = _graphs(build_dir)
    again = {(s, p, o) for s, p, o, _ in derive((s, p, o, ID["g"]) for s, p, o in asserted)}
    assert again == derived
    assert not derived & inferred, "the inferred graph repeats derived triples"


def test_rules_one_by_one():
    m, n, d = ID["measure/d/2"], ID["measure/d/1"], ID["doc/d"]
    a, b = ID["agency/甲"], ID["agency/乙"]
    narrow, top = ID["theme/narrow"], ID["theme/top"]
    from rdflib import RDF, SKOS

    quads = [
        (m, RDF.type, RK.Measure, ID["g"]),
        (m, RK.inDocument, d, ID["g"]),
        (m, RK.leadAgency, a, ID["g"]),
        (m, RK.responsibleAgency, b, ID["g"]),
        (m, RK.evolvesFrom, n, ID["g"]),
        (ID["reform/r"], RK.hasVersion, m, ID["g"]),
        (m, RK.hasTheme, narrow, ID["g"]),
        (narrow, SKOS.broader, top, ID["g"]),
    ]
    got = {(s, p, o) for s, p, o, g in derive(quads)}
    assert got == {
        (m, RK.involvesAgency, a),
        (a, RK.leads, m),
        (a, RK.involvedIn, m),
        (m, RK.involvesAgency, b),
        (b, RK.responsibleFor, m),
        (b, RK.involvedIn, m),
        (n, RK.evolvesInto, m),
        (m, RK.versionOf, ID["reform/r"]),
        (m, RK.hasTheme, top),
        (d, RK.hasMeasure, m),
    }

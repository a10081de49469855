"""The fast OWL 2 RL closure (reformkg.graph.pipeline.closure) against owlrl, the oracle.

The build reasons with the fast engine; owlrl must find exactly the same inferred graph on
the bundled documents, on a 1x synthetic corpus, and on a made-up ontology that uses every
rule the engine compiles. Where the engine does not compile a construct (owl:sameAs,
functional properties …), it must hand over to owlrl rather than answer less.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import OWL, Dataset, Graph

from bench.generate import generate
from reformkg.graph.pipeline.build import build
from reformkg.graph.pipeline.closure import closure
from reformkg.graph.pipeline.reason import infer, infer_triples
from reformkg.settings import Settings
from reformkg.vocab import INFERRED_GRAPH, ONTOLOGY_GRAPH


def _asserted_and_inferred(build_dir: Path) -> tuple[Graph, Graph, set]:
    """A build's default dataset, its ontology graph and its inferred triples."""
    ds = Dataset()
    ds.parse(build_dir / "dataset.nq", format="nquads")
    asserted, ontology, inferred = Graph(), Graph(), set()
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = g.identifier if isinstance(g, Graph) else g
        if name == INFERRED_GRAPH:
            inferred.add((s, p, o))
        else:
            asserted.add((s, p, o))
        if name == ONTOLOGY_GRAPH:
            ontology.add((s, p, o))
    return asserted, ontology, inferred


def test_bundled_build_inferred_graph_is_owlrls(build_dir: Path) -> None:
    asserted, ontology, built = _asserted_and_inferred(build_dir)
    oracle = infer_triples(asserted, ontology, engine="owlrl")
    assert len(oracle) > 10_000
    assert built == oracle


def test_synthetic_corpus_closure_is_owlrls(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "corpus", 1, 5)
    settings = replace(Settings.defaults(), data_dir=corpus.out_dir, build_dir=tmp_path / "build")
    build(settings)
    asserted, ontology, built = _asserted_and_inferred(settings.build_dir)
    assert built == infer_triples(asserted, ontology, engine="owlrl")
    assert built == infer_triples(asserted, ontology, prefilter=False)


TBOX = """
@prefix : <https://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:p rdfs:subPropertyOf :q .  :q owl:equivalentProperty :r .  :r owl:inverseOf :rInv .
:s a owl:SymmetricProperty ; rdfs:subPropertyOf :t .  :t a owl:TransitiveProperty .
:chained owl:propertyChainAxiom ( :p :t :s ) .
:q rdfs:domain :A .  :rInv rdfs:range :B .
:A rdfs:subClassOf :C .  :C owl:equivalentClass :D .  :D rdfs:subClassOf :E .
"""
ABOX = """
@prefix : <https://example.org/> .
:x1 :p :x2 .  :x2 :s :x3 .  :x3 :t :x4 .  :x4 :s :x5 .  :x5 :t :x1 .
:x6 :r :x7 .  :x7 a :D .  :x8 :chained :x9 .
"""


def test_every_compiled_rule_agrees_with_owlrl() -> None:
    ontology = Graph().parse(data=TBOX, format="turtle")
    asserted = Graph().parse(data=ABOX, format="turtle")
    fast = set(infer(asserted, ontology))
    assert len(fast) > 30
    assert fast == set(infer(asserted, ontology, engine="owlrl"))


def test_what_the_engine_does_not_compile_goes_to_owlrl() -> None:
    """A functional property makes owl:sameAs (prp-fp), which the engine does not run: it
    declines, and `infer` still gives owlrl's full answer."""
    ontology = Graph().parse(
        data=TBOX + ":f a owl:FunctionalProperty .\n", format="turtle", publicID=None
    )
    asserted = Graph().parse(
        data="@prefix : <https://example.org/> . :x :f :y1 , :y2 .  :y1 :p :z .", format="turtle"
    )
    assert closure(set(ontology) | set(asserted)) is None
    found = set(infer(asserted, ontology))
    assert any(p == OWL.sameAs for _, p, _ in found)
    assert found == set(infer(asserted, ontology, engine="owlrl"))


@pytest.mark.parametrize(
    "schema",
    [":p rdfs:subPropertyOf rdfs:subClassOf .", ":A rdfs:subClassOf owl:TransitiveProperty ."],
)
def test_a_rule_that_would_change_the_schema_goes_to_owlrl(schema: str) -> None:
    """A schema triple derived from the data (or a class of properties) would change the
    rules mid-way: the engine declines."""
    ontology = Graph().parse(data=TBOX + schema, format="turtle")
    asserted = Graph().parse(data=ABOX, format="turtle")
    assert closure(set(ontology) | set(asserted)) is None

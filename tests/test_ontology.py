"""The ontology file (ontology/reform.ttl): in step with the code, documented, inside OWL 2 RL,
and rendered as the documentation page the build writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS

from reformkg.graph.pipeline.ontology_doc import render
from reformkg.vocab import ONTOLOGY_IRI, RK

from checkout import ROOT

ONTOLOGY = ROOT / "ontology" / "reform.ttl"
THEMES = ROOT / "ontology" / "themes.ttl"
RK_NS = str(RK._NS)
DECLARED = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
)


@pytest.fixture(scope="module")
def g() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def rk_terms(g: Graph) -> set[str]:
    """Local names of the rk: terms the file declares (as a class, property or individual)."""
    return {
        str(s)[len(RK_NS) :]
        for kind in DECLARED
        for s in g.subjects(RDF.type, kind)
        if str(s).startswith(RK_NS)
    }


def test_namespace_and_ontology_do_not_drift_apart(g):
    in_code = set(RK.__annotations__)
    in_file = rk_terms(g)
    assert not in_code - in_file, f"named in graph/namespace.py, not defined: {in_code - in_file}"
    assert not in_file - in_code, f"defined in reform.ttl, not in RK: {in_file - in_code}"


def test_no_undeclared_rk_term_is_used(g):
    used = {
        str(t)[len(RK_NS) :]
        for triple in g
        for t in triple
        if isinstance(t, URIRef) and str(t).startswith(RK_NS)
    }
    assert used <= rk_terms(g)


@pytest.mark.parametrize("local", sorted(RK.__annotations__))
def test_every_term_has_chinese_and_english_labels_and_definitions(g, local):
    term = RK[local]
    labels = {lit.language for lit in g.objects(term, RDFS.label)}
    definitions = {lit.language for lit in g.objects(term, SKOS.definition)}
    assert labels == {"zh-Hans", "en"}, labels
    assert definitions == {"zh-Hans", "en"}, definitions
    assert any(g.objects(term, SKOS.example)), "no skos:example"


def test_ontology_metadata(g):
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in g
    version_iri = g.value(onto, OWL.versionIRI)
    version = str(g.value(onto, OWL.versionInfo))
    assert str(version_iri) == f"{ONTOLOGY_IRI}/{version}"
    assert g.value(onto, DCTERMS.license) is not None
    assert any(g.objects(onto, DCTERMS.creator))
    assert {t.language for t in g.objects(onto, DCTERMS.title)} == {"zh-Hans", "en"}


def test_properties_have_ranges_and_object_properties_point_to_classes(g):
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for p in g.subjects(RDF.type, kind):
            if str(p).startswith(RK_NS):
                assert g.value(p, RDFS.range) is not None, p
    for p in g.subjects(RDF.type, OWL.ObjectProperty):
        for c in g.objects(p, RDFS.range):
            assert (c, RDF.type, OWL.Class) in g, (p, c)


def test_the_relations_the_issue_asks_for(g):
    assert (RK.leadAgency, RDFS.subPropertyOf, RK.involvesAgency) in g
    assert (RK.responsibleAgency, RDFS.subPropertyOf, RK.involvesAgency) in g
    assert (RK.evolvesFrom, OWL.inverseOf, RK.evolvesInto) in g
    assert (RK.involvesAgency, OWL.inverseOf, RK.involvedIn) in g
    assert (RK.leadAgency, OWL.inverseOf, RK.leads) in g
    assert (RK.responsibleAgency, OWL.inverseOf, RK.responsibleFor) in g
    for p in (RK.sameReformAs, RK.relatedTo):
        assert (p, RDF.type, OWL.SymmetricProperty) in g
    assert (RK.withinPlace, RDF.type, OWL.TransitiveProperty) in g
    assert (RK.Agency, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Organization")) in g
    assert (RK.CollectiveAgency, RDFS.subClassOf, RK.Agency) in g
    assert (RK.Document, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in g
    assert (RK.hasTheme, RDFS.range, SKOS.Concept) in g
    assert g.value(RK.hasTheme, OWL.propertyChainAxiom) is not None


def test_within_owl2_rl(g):
    """No construct outside OWL 2 RL that this ontology could drift into: no cardinality above
    one, no existential or union as a superclass, no complement, no data ranges of facets."""
    forbidden = [
        OWL.minCardinality,
        OWL.minQualifiedCardinality,
        OWL.cardinality,
        OWL.qualifiedCardinality,
        OWL.complementOf,
        OWL.withRestrictions,
        OWL.disjointUnionOf,
        OWL.hasSelf,
        OWL.ReflexiveProperty,
    ]
    for p in forbidden:
        assert (None, p, None) not in g and (None, RDF.type, p) not in g, p
    for _, sup in g.subject_objects(RDFS.subClassOf):
        assert (sup, OWL.unionOf, None) not in g and (sup, OWL.someValuesFrom, None) not in g


# --- the documentation page -------------------------------------------------------------


@pytest.fixture(scope="module")
def page_html() -> str:
    return render(ONTOLOGY, THEMES)


def test_doc_lists_every_term_and_theme(g, page_html):
    for local in RK.__annotations__:
        assert f'id="{local}"' in page_html, local
    themes = Graph().parse(THEMES, format="turtle")
    for c in themes.subjects(RDF.type, SKOS.Concept):
        local = str(c).rsplit("/", 1)[-1]
        assert f'id="theme-{local}"' in page_html, local
        assert str(themes.value(c, SKOS.prefLabel)) in page_html


def test_doc_is_self_contained_and_deterministic(page_html):
    assert not re.search(r"<(script|link|img)\b[^>]*(src|href)=[\"']https?:", page_html)
    assert "@import" not in page_html
    assert render(ONTOLOGY, THEMES) == page_html


def test_build_writes_the_doc(build_dir: Path, page_html):
    assert (build_dir / "ontology.html").read_text(encoding="utf-8") == page_html


def test_examples_name_resources_that_exist(g, store):
    """Every id:… IRI quoted in an example is a resource of the built graph (or a theme)."""
    from reformkg.graph.query.store import select

    iris = set()
    for example in g.objects(None, SKOS.example):
        for m in re.finditer(r"id:([^\s,;)]+)", str(example)):
            iris.add("https://w3id.org/reformkg/id/" + m.group(1))
    assert iris
    missing = [
        iri
        for iri in sorted(iris)
        if not select(store, f"SELECT ?p WHERE {{ <{iri}> ?p ?o }} LIMIT 1")
    ]
    assert not missing, missing


@pytest.mark.browser
def test_doc_renders_in_a_browser(page, page_html, tmp_path):
    html = tmp_path / "ontology.html"
    html.write_text(page_html, encoding="utf-8")
    page.goto(html.as_uri())
    assert page.locator("h1").inner_text().startswith("ReformKG ontology")
    assert page.locator("section.term").count() == len(RK.__annotations__)
    page.get_by_role("link", name="Themes").click()
    assert page.locator("#theme-ip-securitisation").is_visible()
    assert page.console_errors == []

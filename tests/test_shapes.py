"""SHACL shapes (ontology/shapes.ttl): a small well-formed graph conforms, and each deliberate
violation fed to it is caught, at the right node and property, with a readable message.

The base graph is written by hand here, not taken from the build, so that each case changes
exactly one thing. The real build is checked too: it conforms, `reformkg validate` says so, and
a build whose graph breaks a shape stops with ValidationFailed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from reformkg.build_files import seal
from reformkg.graph.pipeline.validate import (
    Violation,
    format_violations,
    load_shapes,
    shorten,
    validate,
)

from checkout import ROOT

SHAPES = ROOT / "ontology" / "shapes.ttl"
PREFIXES = """
PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX doc: <https://w3id.org/reformkg/id/doc/>
PREFIX m: <https://w3id.org/reformkg/id/measure/d1/>
PREFIX pt: <https://w3id.org/reformkg/id/measure/d1/1/point/>
PREFIX ta: <https://w3id.org/reformkg/id/measure/d1/1/theme/>
PREFIX item: <https://w3id.org/reformkg/id/item/d1/>
PREFIX sec: <https://w3id.org/reformkg/id/section/d1/>
PREFIX ag: <https://w3id.org/reformkg/id/agency/>
PREFIX pl: <https://w3id.org/reformkg/id/place/>
PREFIX sc: <https://w3id.org/reformkg/id/scope/>
PREFIX th: <https://w3id.org/reformkg/id/theme/>
PREFIX ln: <https://w3id.org/reformkg/id/link/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX status: <https://w3id.org/reformkg/id/status/>
PREFIX role: <https://w3id.org/reformkg/id/agency-role/>
PREFIX ml: <https://w3id.org/reformkg/id/measure/d1/1/lead/>
PREFIX mr: <https://w3id.org/reformkg/id/measure/d1/1/responsible/>
"""
VALID = """
doc:d1 a rk:Document ; dcterms:title "测试文件"@zh ; rk:kind "ccr-measures" ; rk:batchOrder 1 ;
    rk:dateStatus "inferred" ; dcterms:issued "2024"^^xsd:gYear ;
    rk:issuedNotBefore "2024-10-01"^^xsd:date ;
    rk:dateEvidence "cites figures of 2024 Q3"@en ; rk:sourceFile "d1.txt" ;
    rk:jurisdiction pl:shenzhen ; rk:issuedBy ag:甲局 .
doc:d0 a rk:Document ; dcterms:title "更早的文件"@zh-Hans ; rk:kind "ccr-measures" ;
    rk:batchOrder 0 ; rk:dateStatus "unknown" ; rk:sourceFile "d0.txt" .
sec:1 a rk:Section ; rdfs:label "一、测试"@zh ; rk:sectionOf doc:d1 ; rk:position 1 ;
    rk:sectionInferred false .
item:1 a rk:ReformItem ; rdfs:label "举措一"@zh ; rk:inDocument doc:d1 ; rk:hasPart m:1 .
item:2 a rk:ReformItem ; rdfs:label "举措二"@zh ; rk:inDocument doc:d0 ; rk:hasPart m:2 .
m:1 a rk:Measure ; rdfs:label "举措一"@zh ; rk:nameRaw "举 措 一"@zh ; rk:inDocument doc:d1 ;
    rk:partOfItem item:1 ; rk:inSection sec:1 ; rk:number 1 ; rk:numberLabel "1*" ;
    rk:starred true ; rk:practiceText "做法"@zh ; rk:practiceTextRaw "<p>做法</p>"@zh ;
    rk:hasPracticePoint pt:1 ; rk:leadAgency ag:甲局 ; rk:responsibleAgency ag:各区政府 ;
    rk:agencyRole ml:1 , mr:1 ;
    rk:sourcePlace pl:shenzhen ; rk:promotionScope sc:全国 ;
    rk:deadline "2022-06-30"^^xsd:date ; rk:deadlineText "2022年6月底"@zh ;
    rk:deadlinePrecision time:unitMonth ;
    rk:hasTheme th:narrow ; rk:themeAssignment ta:narrow ; rk:evolvesFrom m:2 ;
    prov:wasDerivedFrom doc:d1 ; rk:sourceFile "d1.txt" ; rk:lineStart 3 ; rk:lineEnd 4 .
m:2 a rk:Measure ; rdfs:label "举措二"@zh ; rk:nameRaw "举措二"@zh ; rk:inDocument doc:d0 ;
    rk:partOfItem item:2 ; rk:starred false ; rk:practiceText "做法二"@zh ;
    rk:practiceTextRaw "做法二"@zh ; rk:hasTheme th:top ;
    rk:implementationStatus status:no-deadline ;
    prov:wasDerivedFrom doc:d0 ; rk:sourceFile "d1.txt" ; rk:lineStart 5 ; rk:lineEnd 5 .
ml:1 a rk:AgencyRole ; rk:agency ag:甲局 ; rk:role role:lead ; rk:position 1 ;
    rk:nameRaw "市甲局"@zh-Hans ; rk:agencyNote "按职责分工负责"@zh-Hans .
mr:1 a rk:AgencyRole ; rk:agency ag:各区政府 ; rk:role role:responsible ;
    rk:position 1 ; rk:nameRaw "各区政府"@zh-Hans .
pt:1 a rk:PracticePoint ; rk:position 1 ; rk:text "要点"@zh .
ag:甲局 a rk:Agency ; skos:prefLabel "甲局"@zh ; skos:altLabel "市甲局"@zh ;
    rk:level rk:CityLevel ; rk:jurisdiction pl:shenzhen .
ag:各区政府 a rk:CollectiveAgency ; skos:prefLabel "各区政府"@zh ; rk:level rk:CollectiveLevel .
pl:shenzhen a rk:Place ; rdfs:label "深圳"@zh , "Shenzhen"@en ; rk:withinPlace pl:guangdong .
pl:guangdong a rk:Place ; rdfs:label "广东"@zh .
sc:全国 a rk:PromotionScope ; rdfs:label "全国"@zh , "nationwide"@en .
th:scheme a skos:ConceptScheme ; skos:hasTopConcept th:top .
th:top a skos:Concept ; skos:inScheme th:scheme ; skos:topConceptOf th:scheme ;
    skos:prefLabel "上位"@zh , "Top"@en ; skos:definition "A top theme."@en ;
    skos:hiddenLabel "上位词"@zh .
th:narrow a skos:Concept ; skos:inScheme th:scheme ; skos:broader th:top ;
    skos:prefLabel "下位"@zh , "Narrow"@en ; skos:definition "A narrower theme."@en .
ta:narrow a rk:ThemeAssignment ; rk:assignedTheme th:narrow ; rk:themeScore 3.5 ;
    rk:matchedTerm "下位词"@zh ; rk:matchedField "name" .
ln:1 a rk:MeasureLink ; rk:linkSource m:1 ; rk:linkTarget m:2 ; rk:relation rk:Evolution ;
    rk:linkScore 0.82 ; rk:method "char-bigram-jaccard" ; rk:evidenceTerm "做法"@zh-Hans ;
    rk:sharedAgency ag:甲局 ; rk:sharedTheme th:top .
"""
RK = "https://w3id.org/reformkg/ontology#"
ID = "https://w3id.org/reformkg/id/"
GRAPH_D1 = URIRef("https://w3id.org/reformkg/graph/doc/d1")
M1, M2 = ID + "measure/d1/1", ID + "measure/d1/2"

# (case id, SPARQL update, focus node, property or None for node-level rules)
CASES = [
    ("measure-no-name", "DELETE DATA { m:1 rdfs:label '举措一'@zh }", M1, "rdfs:label"),
    (
        "measure-name-no-language",
        "DELETE DATA { m:1 rdfs:label '举措一'@zh } ; INSERT DATA { m:1 rdfs:label '举措一' }",
        M1,
        "rdfs:label",
    ),
    (
        "measure-name-english",
        "DELETE DATA { m:1 rdfs:label '举措一'@zh } "
        "; INSERT DATA { m:1 rdfs:label 'Measure one'@en }",
        M1,
        "rdfs:label",
    ),
    (
        "measure-two-documents",
        "INSERT DATA { m:1 rk:inDocument doc:d2 . doc:d2 a rk:Document }",
        M1,
        "rk:inDocument",
    ),
    (
        "measure-document-not-a-document",
        "DELETE DATA { m:1 rk:inDocument doc:d1 } ; INSERT DATA { m:1 rk:inDocument m:2 }",
        M1,
        "rk:inDocument",
    ),
    (
        "measure-number-string",
        "DELETE DATA { m:1 rk:number 1 } ; INSERT DATA { m:1 rk:number '1' }",
        M1,
        "rk:number",
    ),
    (
        "measure-number-zero",
        "DELETE DATA { m:1 rk:number 1 } ; INSERT DATA { m:1 rk:number 0 }",
        M1,
        "rk:number",
    ),
    (
        "measure-starred-not-boolean",
        "DELETE DATA { m:1 rk:starred true } ; INSERT DATA { m:1 rk:starred 'yes' }",
        M1,
        "rk:starred",
    ),
    (
        "measure-empty-practice",
        "DELETE DATA { m:1 rk:practiceText '做法'@zh } ; INSERT DATA { m:1 rk:practiceText ''@zh }",
        M1,
        "rk:practiceText",
    ),
    (
        "measure-no-practice",
        "DELETE DATA { m:2 rk:practiceText '做法二'@zh }",
        M2,
        "rk:practiceText",
    ),
    (
        "measure-lines-reversed",
        "DELETE DATA { m:1 rk:lineStart 3 } ; INSERT DATA { m:1 rk:lineStart 9 }",
        M1,
        "rk:lineStart",
    ),
    ("measure-no-source-file", "DELETE DATA { m:2 rk:sourceFile 'd1.txt' }", M2, "rk:sourceFile"),
    (
        "measure-deadline-not-date",
        "DELETE DATA { m:1 rk:deadline '2022-06-30'^^xsd:date } "
        "; INSERT DATA { m:1 rk:deadline '2022年6月底' }",
        M1,
        "rk:deadline",
    ),
    (
        "measure-five-theme-assignments",
        "INSERT DATA { m:1 rk:themeAssignment ta:a, ta:b, ta:c, "
        "ta:d . ta:a a rk:ThemeAssignment . ta:b a rk:ThemeAssignment . ta:c a rk:ThemeAssignment "
        ". ta:d a rk:ThemeAssignment }",
        M1,
        "rk:themeAssignment",
    ),
    (
        "measure-theme-not-a-concept",
        "INSERT DATA { m:1 rk:hasTheme pl:shenzhen }",
        M1,
        "rk:hasTheme",
    ),
    (
        "measure-lead-not-an-agency",
        "INSERT DATA { m:1 rk:leadAgency pl:shenzhen }",
        M1,
        "rk:leadAgency",
    ),
    ("measure-linked-to-itself", "INSERT DATA { m:2 rk:sameReformAs m:2 }", M2, None),
    (
        "measure-no-provenance",
        "DELETE DATA { m:2 prov:wasDerivedFrom doc:d0 }",
        M2,
        "prov:wasDerivedFrom",
    ),
    (
        "item-without-measure",
        "DELETE DATA { item:2 rk:hasPart m:2 }",
        ID + "item/d1/2",
        "rk:hasPart",
    ),
    (
        "point-without-text",
        "DELETE DATA { pt:1 rk:text '要点'@zh }",
        ID + "measure/d1/1/point/1",
        "rk:text",
    ),
    (
        "document-no-title",
        "DELETE DATA { doc:d1 dcterms:title '测试文件'@zh }",
        ID + "doc/d1",
        "dcterms:title",
    ),
    (
        "document-unknown-kind",
        "DELETE DATA { doc:d1 rk:kind 'ccr-measures' } ; INSERT DATA { doc:d1 rk:kind 'memo' }",
        ID + "doc/d1",
        "rk:kind",
    ),
    (
        "document-bad-date-status",
        "DELETE DATA { doc:d1 rk:dateStatus 'inferred' } "
        "; INSERT DATA { doc:d1 rk:dateStatus 'maybe' }",
        ID + "doc/d1",
        "rk:dateStatus",
    ),
    (
        "document-inferred-date-without-evidence",
        "DELETE DATA { doc:d1 rk:dateEvidence 'cites figures of 2024 Q3'@en }",
        ID + "doc/d1",
        None,
    ),
    (
        "document-issuer-not-agency",
        "INSERT DATA { doc:d1 rk:issuedBy sc:全国 }",
        ID + "doc/d1",
        "rk:issuedBy",
    ),
    (
        "section-no-document",
        "DELETE DATA { sec:1 rk:sectionOf doc:d1 }",
        ID + "section/d1/1",
        "rk:sectionOf",
    ),
    (
        "section-position-string",
        "DELETE DATA { sec:1 rk:position 1 } ; INSERT DATA { sec:1 rk:position 'one' }",
        ID + "section/d1/1",
        "rk:position",
    ),
    (
        "agency-no-name",
        "DELETE DATA { ag:甲局 skos:prefLabel '甲局'@zh }",
        ID + "agency/甲局",
        "skos:prefLabel",
    ),
    (
        "agency-two-names",
        "INSERT DATA { ag:甲局 skos:prefLabel '甲 局'@zh }",
        ID + "agency/甲局",
        "skos:prefLabel",
    ),
    (
        "agency-bad-level",
        "DELETE DATA { ag:甲局 rk:level rk:CityLevel } "
        "; INSERT DATA { ag:甲局 rk:level rk:Evolution }",
        ID + "agency/甲局",
        "rk:level",
    ),
    (
        "collective-agency-city-level",
        "DELETE DATA { ag:各区政府 rk:level rk:CollectiveLevel } "
        "; INSERT DATA { ag:各区政府 rk:level rk:CityLevel }",
        ID + "agency/各区政府",
        "rk:level",
    ),
    (
        "place-no-chinese-name",
        "DELETE DATA { pl:guangdong rdfs:label '广东'@zh } "
        "; INSERT DATA { pl:guangdong rdfs:label 'Guangdong'@en }",
        ID + "place/guangdong",
        "rdfs:label",
    ),
    (
        "place-cycle",
        "INSERT DATA { pl:guangdong rk:withinPlace pl:shenzhen }",
        ID + "place/guangdong",
        None,
    ),
    (
        "scope-no-name",
        "DELETE DATA { sc:全国 rdfs:label '全国'@zh }",
        ID + "scope/全国",
        "rdfs:label",
    ),
    (
        "theme-no-english-label",
        "DELETE DATA { th:narrow skos:prefLabel 'Narrow'@en }",
        ID + "theme/narrow",
        "skos:prefLabel",
    ),
    (
        "theme-two-chinese-labels",
        "INSERT DATA { th:narrow skos:prefLabel '又一'@zh }",
        ID + "theme/narrow",
        "skos:prefLabel",
    ),
    (
        "theme-no-definition",
        "DELETE DATA { th:narrow skos:definition 'A narrower theme.'@en }",
        ID + "theme/narrow",
        "skos:definition",
    ),
    (
        "theme-neither-top-nor-narrower",
        "DELETE DATA { th:top skos:topConceptOf th:scheme }",
        ID + "theme/top",
        None,
    ),
    (
        "theme-term-not-chinese",
        "INSERT DATA { th:top skos:hiddenLabel 'top word'@en }",
        ID + "theme/top",
        "skos:hiddenLabel",
    ),
    (
        "assignment-no-evidence",
        "DELETE DATA { ta:narrow rk:matchedTerm '下位词'@zh }",
        ID + "measure/d1/1/theme/narrow",
        "rk:matchedTerm",
    ),
    (
        "assignment-zero-score",
        "DELETE DATA { ta:narrow rk:themeScore 3.5 } ; INSERT DATA { ta:narrow rk:themeScore 0.0 }",
        ID + "measure/d1/1/theme/narrow",
        "rk:themeScore",
    ),
    (
        "assignment-score-not-decimal",
        "DELETE DATA { ta:narrow rk:themeScore 3.5 } ; INSERT DATA { ta:narrow rk:themeScore '3.5' }",
        ID + "measure/d1/1/theme/narrow",
        "rk:themeScore",
    ),
    (
        "assignment-unknown-field",
        "DELETE DATA { ta:narrow rk:matchedField 'name' } "
        "; INSERT DATA { ta:narrow rk:matchedField 'title' }",
        ID + "measure/d1/1/theme/narrow",
        "rk:matchedField",
    ),
    (
        "assignment-theme-not-on-measure",
        "DELETE DATA { m:1 rk:hasTheme th:narrow }",
        ID + "measure/d1/1/theme/narrow",
        None,
    ),
    (
        "link-to-itself",
        "DELETE DATA { ln:1 rk:linkTarget m:2 } ; INSERT DATA { ln:1 rk:linkTarget m:1 }",
        ID + "link/1",
        "rk:linkSource",
    ),
    (
        "link-unknown-relation",
        "DELETE DATA { ln:1 rk:relation rk:Evolution } "
        "; INSERT DATA { ln:1 rk:relation rk:CityLevel }",
        ID + "link/1",
        "rk:relation",
    ),
    (
        "link-no-method",
        "DELETE DATA { ln:1 rk:method 'char-bigram-jaccard' }",
        ID + "link/1",
        "rk:method",
    ),
]
CASES += [
    # issue 18: the extra shapes
    (
        "link-from-earlier-to-later",
        "DELETE DATA { m:1 rk:inDocument doc:d1 } ; INSERT DATA { m:1 rk:inDocument doc:d0 . "
        "m:2 rk:inDocument doc:d1 }",
        ID + "link/1",
        None,
    ),
    (
        "direct-link-without-record",
        "DELETE DATA { ln:1 rk:relation rk:Evolution } ; "
        "INSERT DATA { ln:1 rk:relation rk:Related }",
        M1,
        None,
    ),
    ("record-without-direct-link", "DELETE DATA { m:1 rk:evolvesFrom m:2 }", ID + "link/1", None),
    (
        "link-score-above-one",
        "DELETE DATA { ln:1 rk:linkScore 0.82 } ; INSERT DATA { ln:1 rk:linkScore 1.5 }",
        ID + "link/1",
        "rk:linkScore",
    ),
    (
        "link-evidence-prefixed-string",
        "INSERT DATA { ln:1 rk:evidenceTerm 'theme:tax' }",
        ID + "link/1",
        "rk:evidenceTerm",
    ),
    (
        "deadline-neither-date-nor-status",
        "DELETE DATA { m:1 rk:deadlineText '2022年6月底'@zh } ; "
        "INSERT DATA { m:1 rk:deadlineText '尽快'@zh-Hans }",
        M1,
        "rk:deadlineText",
    ),
    (
        "deadline-without-precision",
        "DELETE DATA { m:1 rk:deadlinePrecision time:unitMonth }",
        M1,
        None,
    ),
    (
        "deadline-and-status",
        "INSERT DATA { m:1 rk:implementationStatus status:landed }",
        M1,
        None,
    ),
    (
        "status-overdue-stated",
        "DELETE DATA { m:2 rk:implementationStatus status:no-deadline } ; "
        "INSERT DATA { m:2 rk:implementationStatus status:overdue }",
        M2,
        "rk:implementationStatus",
    ),
    ("lead-without-role", "DELETE DATA { m:1 rk:agencyRole ml:1 }", M1, None),
    (
        "role-wrong-kind",
        "DELETE DATA { ml:1 rk:role role:lead } ; INSERT DATA { ml:1 rk:role rk:CityLevel }",
        ID + "measure/d1/1/lead/1",
        "rk:role",
    ),
    (
        "inferred-date-a-day",
        "DELETE DATA { doc:d1 dcterms:issued '2024'^^xsd:gYear } ; "
        "INSERT DATA { doc:d1 dcterms:issued '2024-10-01'^^xsd:date }",
        ID + "doc/d1",
        None,
    ),
    (
        "label-clash-s13",
        "INSERT DATA { th:top skos:hiddenLabel '上位'@zh }",
        ID + "theme/top",
        None,
    ),
]

SHORT = {
    "rk:": RK,
    "rdfs:": "http://www.w3.org/2000/01/rdf-schema#",
    "skos:": "http://www.w3.org/2004/02/skos/core#",
    "dcterms:": "http://purl.org/dc/terms/",
    "prov:": "http://www.w3.org/ns/prov#",
}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(SHAPES)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "reform.ttl", format="turtle")


def graph_of(ontology: Graph, update: str | None = None) -> Graph:
    """The base graph plus the ontology (as in the build, where sh:class sees subclasses)."""
    g = Graph().parse(data=PREFIXES + VALID, format="turtle")
    for t in ontology:
        g.add(t)
    if update:
        before = set(g)
        g.update(PREFIXES + update)
        assert set(g) != before, f"the update changed nothing: {update}"
    return g


def _expand(curie: str) -> str:
    for prefix, ns in SHORT.items():
        if curie.startswith(prefix):
            return ns + curie[len(prefix) :]
    return curie


def test_base_graph_conforms(shapes, ontology):
    assert validate(graph_of(ontology), shapes, include_warnings=True) == []


@pytest.mark.parametrize(("case", "update", "focus", "path"), CASES, ids=[c[0] for c in CASES])
def test_violation_is_caught(shapes, ontology, case, update, focus, path):
    violations = validate(graph_of(ontology, update), shapes)
    hits = [v for v in violations if v.focus == focus and (path is None or v.path == _expand(path))]
    assert hits, f"{case} not caught; got:\n{format_violations(violations)}"
    assert all(v.severity == "Violation" and v.message for v in hits)


def _results(violations: list[Violation]) -> list[tuple]:
    """Results without sh:sourceShape: nested property shapes are blank nodes, labelled anew by
    each parse."""
    return sorted(
        (v.severity, v.focus, v.path, v.message, v.value, v.component) for v in violations
    )


def test_lifting_property_shapes_changes_no_result(shapes, ontology):
    """load_shapes lifts nested property shapes for speed; the shapes as written must report the
    same results on every deliberate violation (all at once, and the warning case)."""
    written = load_shapes(SHAPES, lift=False)
    nested = len(list(written.triples((None, SH.property, None))))
    assert len(list(shapes.triples((None, SH.property, None)))) < nested, "nothing was lifted"
    updates = [update for _, update, _, _ in CASES]
    graphs = [graph_of(ontology, update) for update in updates[:3]]
    combined = graph_of(ontology)
    for update in updates:
        combined.update(PREFIXES + update)
    graphs.append(combined)
    graphs.append(graph_of(ontology, "DELETE DATA { m:2 rk:hasTheme th:top }"))
    for g in graphs:
        lifted_results = _results(validate(g, shapes, include_warnings=True))
        assert lifted_results, "each graph breaks at least one shape"
        assert lifted_results == _results(validate(g, written, include_warnings=True))


def test_measure_without_theme_is_a_warning_not_a_violation(shapes, ontology):
    g = graph_of(ontology, "DELETE DATA { m:2 rk:hasTheme th:top }")
    assert validate(g, shapes) == []
    warnings = validate(g, shapes, include_warnings=True)
    assert [(w.severity, w.focus) for w in warnings] == [("Warning", M2)]


def test_formatter_names_node_property_and_value():
    text = format_violations(
        [
            Violation(
                "Violation", M1, RK + "number", "rk:number is one positive xsd:integer", value="0"
            )
        ]
    )
    assert text == (
        "Violation  id:measure/d1/1  rk:number: rk:number is one positive xsd:integer  (value: 0)"
    )


def test_broken_shapes_are_reported_not_ignored(ontology, tmp_path):
    bad = tmp_path / "shapes.ttl"
    bad.write_text(
        SHAPES.read_text(encoding="utf-8")
        + """
rks:Bad a sh:NodeShape ; sh:targetClass rk:Measure ;
    sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }" ] .""",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="SHACL shapes cannot be used"):
        validate(graph_of(ontology), bad)


# --- the real build and the command ---------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "validate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_built_graph_conforms_and_cli_says_so(build_dir: Path):
    result = _cli("--build", str(build_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stderr


def test_cli_lists_violations_and_exits_1(ontology, tmp_path):
    g = graph_of(ontology, "DELETE DATA { m:1 rk:number 1 } ; INSERT DATA { m:1 rk:number 0 }")
    (tmp_path / "dataset.nq").write_text(g.serialize(format="nt"), encoding="utf-8")
    seal(tmp_path)  # a build made by hand is sealed as the build seals its own
    result = _cli("--build", str(tmp_path))
    assert result.returncode == 1
    assert (
        "Violation  id:measure/d1/1  rk:number: rk:number is one positive xsd:integer"
        in result.stdout
    )
    assert "reformkg validate: 1 SHACL violation(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_without_build_exits_2(tmp_path):
    result = _cli("--build", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert "run `reformkg build` first" in result.stderr and "Traceback" not in result.stderr


def test_build_fails_on_a_violation(settings, tmp_path):
    """The build validates before writing: a shape the data breaks stops it, nothing written."""
    from reformkg.errors import ValidationFailed
    from reformkg.graph.pipeline.build import build

    onto = tmp_path / "ontology"
    shutil.copytree(settings.ontology_dir, onto)
    with (onto / "shapes.ttl").open("a", encoding="utf-8") as fh:
        fh.write(
            "\nrks:NoStars a sh:NodeShape ; sh:targetClass rk:Measure ; sh:property "
            '[ sh:path rk:starred ; sh:hasValue false ; sh:message "test: no stars" ] .\n'
        )
    out = tmp_path / "build"
    with pytest.raises(ValidationFailed, match="test: no stars"):
        build(replace(settings, ontology_dir=onto, build_dir=out))
    assert not (out / "dataset.nq").exists()


# --- issue 18, finding 1: a link to the wrong kind of thing is named, once ------------------

WRONG_TYPE = [
    # (case, the injected link, the property, the wrong target, the message)
    (
        "evolves-from-a-document",
        "m:2 rk:evolvesFrom doc:d1",
        "rk:evolvesFrom",
        ID + "doc/d1",
        "rk:evolvesFrom must point to a rk:Measure",
    ),
    (
        "lead-agency-that-does-not-exist",
        "m:2 rk:leadAgency ag:不存在局",
        "rk:leadAgency",
        ID + "agency/不存在局",
        "rk:leadAgency must point to a rk:Agency",
    ),
    (
        "theme-that-does-not-exist",
        "m:2 rk:hasTheme th:no-such-theme",
        "rk:hasTheme",
        ID + "theme/no-such-theme",
        "rk:hasTheme must point to a theme (skos:Concept)",
    ),
    (
        "related-to-an-agency",
        "m:2 rk:relatedTo ag:甲局",
        "rk:relatedTo",
        ID + "agency/甲局",
        "rk:relatedTo must point to a rk:Measure",
    ),
]


def _built_with(ontology: Graph, link: str, folder: Path) -> None:
    """What a build that produced `link` writes: the graph with the link in its graph, and
    the OWL-RL closure of it in graph/inferred (where the range types the wrong target)."""
    from reformkg.graph.pipeline.reason import infer

    g = graph_of(ontology, f"INSERT DATA {{ {link} }}")
    inferred = infer(g, ontology)
    lines = [
        f"{s.n3()} {p.n3()} {o.n3()} <https://w3id.org/reformkg/graph/doc/d1> ." for s, p, o in g
    ]
    lines += [
        f"{s.n3()} {p.n3()} {o.n3()} <https://w3id.org/reformkg/graph/inferred> ."
        for s, p, o in inferred
    ]
    (folder / "dataset.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    seal(folder)  # a build made by hand is sealed as the build seals its own


@pytest.mark.parametrize(
    ("case", "link", "prop", "target", "message"), WRONG_TYPE, ids=[c[0] for c in WRONG_TYPE]
)
def test_finding1_validate_names_each_injected_wrong_type_link(
    ontology, tmp_path, case, link, prop, target, message
):
    """Issue 18 #1: validation ran on asserted + inferred triples, so the range typed whatever a
    property pointed at: `rk:evolvesFrom` at a document gave no "must point to", and eight
    errors against the document instead. `reformkg validate` now reads the default dataset and
    the ontology: one line names the link, none blames its target."""
    _built_with(ontology, link, tmp_path)
    result = _cli("--build", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("Violation")]
    naming = [line for line in lines if f"{prop}: {message}" in line]
    assert naming == [
        f"Violation  id:measure/d1/2  {prop}: {message}  (value: {shorten(target)})"
    ], result.stdout
    assert not [line for line in lines if line.split()[1] == shorten(target)], result.stdout


def test_finding1_build_validation_reads_no_closure(ontology):
    """The build's own stage: SHACL over the default dataset (the ontology among it), so the
    same link is caught before reasoning."""
    from reformkg.errors import ValidationFailed
    from reformkg.etl.dataset import Asserted
    from reformkg.graph.pipeline import stages
    from reformkg.settings import Settings

    g = graph_of(ontology, "INSERT DATA { m:2 rk:evolvesFrom doc:d1 }")
    data = Asserted([(s, p, o, GRAPH_D1) for s, p, o in g], ontology)
    with pytest.raises(ValidationFailed, match="rk:evolvesFrom must point to a rk:Measure"):
        stages.validate(data, Settings.defaults())


def test_finding1_the_closure_of_a_wrong_link_is_inconsistent(ontology):
    """cax-adc over owl:AllDisjointClasses: the document the range typed a measure is both."""
    from reformkg.errors import ValidationFailed
    from reformkg.etl.dataset import Asserted
    from reformkg.graph.pipeline import stages
    from reformkg.settings import Settings

    g = graph_of(ontology, "INSERT DATA { m:2 rk:evolvesFrom doc:d1 }")
    data = Asserted([(s, p, o, GRAPH_D1) for s, p, o in g], ontology)
    with pytest.raises(ValidationFailed, match="id:doc/d1: both rk:Document and rk:Measure"):
        stages.reason(data, Settings.defaults())


# Broken data for the constraint components CASES does not reach, and for the edges of the
# compiled engine's semantics (ill-typed literals, values of the wrong kind, the default
# message of sh:or, a warning): each must be reported the same by both engines.
ORACLE_CASES = [
    # sh:qualifiedMaxCount: a second Chinese name
    "INSERT DATA { sc:全国 rdfs:label '全国范围'@zh }",
    # sh:or on a property shape: an issued date of none of the three datatypes
    "DELETE DATA { doc:d1 dcterms:issued '2024'^^xsd:gYear } ; "
    "INSERT DATA { doc:d1 dcterms:issued '2024' }",
    # sh:or on a node shape, without sh:message: pySHACL's own message
    "DELETE DATA { ln:1 rk:linkScore 0.82 }",
    # sh:severity sh:Warning
    "DELETE DATA { m:2 rk:hasTheme th:top }",
    # sh:uniqueLang and sh:maxCount on two Chinese names; zh-Hans and zh-Hant pass uniqueLang
    "INSERT DATA { m:1 rdfs:label '又名'@zh , '舉措'@zh-Hant }",
    # sh:lessThanOrEquals against a string, an ill-typed integer, a boolean as an integer
    "DELETE DATA { m:1 rk:lineEnd 4 } ; INSERT DATA { m:1 rk:lineEnd 'four' }",
    "DELETE DATA { m:1 rk:number 1 } ; INSERT DATA { m:1 rk:number 'one'^^xsd:integer }",
    "DELETE DATA { m:1 rk:part 1 } ; INSERT DATA { m:1 rk:part true }",
    # sh:class through rdfs:subClassOf (a collective agency is an agency) and on a literal
    "INSERT DATA { m:2 rk:leadAgency ag:各区政府 ; rk:responsibleAgency '甲局' }",
    # sh:in with a typed string, sh:pattern on an IRI, sh:minLength on a blank node
    "DELETE DATA { doc:d1 rk:kind 'ccr-measures' } ; "
    "INSERT DATA { doc:d1 rk:kind 'ccr-measures'^^xsd:normalizedString }",
    "INSERT DATA { m:2 rk:deadlineText <https://example.org/2022年底> }",
    "INSERT DATA { m:2 rk:duplicatedText [] }",
    # sh:languageIn on a region subtag, sh:hasValue met once among two values
    "INSERT DATA { th:top skos:hiddenLabel '上位CN'@zh-CN , 'top'@en-zh }",
    "INSERT DATA { ag:各区政府 rk:level rk:CityLevel }",
    # sh:disjoint with itself through two links; sh:maxInclusive / minExclusive on decimals
    "INSERT DATA { ln:1 rk:linkSource m:2 }",
    "DELETE DATA { ln:1 rk:linkScore 0.82 } ; INSERT DATA { ln:1 rk:linkScore 1.0 , 1.00001 }",
    "DELETE DATA { ta:narrow rk:themeScore 3.5 } ; INSERT DATA { ta:narrow rk:themeScore '-0.0'^^xsd:decimal }",
]

#: SHACL core parameters and the component whose results they give
_COMPONENT_OF = {
    name: URIRef(f"{SH}{name[0].upper()}{name[1:]}ConstraintComponent")
    for name in [
        *("class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive"),
        *("minInclusive", "maxExclusive", "maxInclusive", "minLength", "maxLength"),
        *("pattern", "languageIn", "uniqueLang", "equals", "disjoint", "lessThan"),
        *("lessThanOrEquals", "not", "and", "or", "xone", "node", "qualifiedMinCount"),
        *("qualifiedMaxCount", "closed", "hasValue", "in"),
    ]
} | {"sparql": SH.SPARQLConstraintComponent}


def _oracle(g: Graph, shapes: Graph) -> list[Violation]:
    """pySHACL alone: its own SPARQL targets, its own constraints."""
    return validate(g, shapes, include_warnings=True, sparql_targets="pyshacl", engine="pyshacl")


def test_compiled_engine_reports_what_pyshacl_reports(shapes, ontology):
    """The build's engine (compiled constraints, SPARQL targets by pyoxigraph) against pySHACL
    alone, result for result (shape, message and value included), on every deliberate
    violation one by one, on the extra cases and all at once; every constraint component of
    shapes.ttl is broken at least once (so that each comparison can fail)."""
    from reformkg.graph.pipeline.validate import _copy, validate_triples

    targeted = {
        str(shape)
        for target in shapes.subjects(RDF.type, SH.SPARQLTarget)
        for shape in shapes.subjects(SH.target, target)
    }
    assert len(targeted) >= 5, "the shapes have SPARQL targets"
    updates = [update for _, update, _, _ in CASES] + ORACLE_CASES
    graphs = [graph_of(ontology, update) for update in updates]
    combined = graph_of(ontology)
    for update in updates:
        combined.update(PREFIXES + update)
    caught: set[str] = set()
    components: set[str] = set()
    for g in [*graphs, combined]:
        oracle = _oracle(g, shapes)
        assert oracle, "each graph breaks at least one shape"
        assert validate(g, shapes, include_warnings=True) == oracle
        # the build's way: the SPARQL targets selected from the index, over triples only
        fresh = _copy(shapes)
        triples = sorted(g)
        got = validate_triples(
            triples.__iter__, fresh, include_warnings=True, namespaces=g.namespace_manager
        )
        assert got == oracle
        caught |= {v.shape for v in oracle} & targeted
        components |= {v.component for v in oracle}
    assert len(caught) >= 5, f"SPARQL-target shapes exercised: {caught}"
    used = {
        str(_COMPONENT_OF[str(p).removeprefix(str(SH))])
        for p in shapes.predicates(None, None)
        if str(p).removeprefix(str(SH)) in _COMPONENT_OF
    }
    assert len(used) >= 18
    assert used <= components, f"never broken: {sorted(used - components)}"


def test_shapes_ttl_is_compiled_whole(shapes, ontology):
    """No shape of shapes.ttl is left to pySHACL (the build never copies the data into rdflib),
    and the SPARQL targets read only the predicates they name."""
    from reformkg.graph.pipeline.shacl import compile_shapes, query_predicates
    from reformkg.graph.pipeline.validate import _copy, resolve_sparql_targets

    resolved = _copy(shapes)
    resolve_sparql_targets(resolved, graph_of(ontology))
    compiled = compile_shapes(resolved)
    assert compiled.fallback == []
    assert len(compiled.targeted) == len(
        {s for p in (SH.targetClass, SH.targetNode) for s in resolved.subjects(p, None)}
    )
    known = {str(p): str(ns) for p, ns in Graph().namespaces()}  # as resolve_sparql_targets
    known.update({"rk": RK, "skos": SHORT["skos:"], "dcterms": SHORT["dcterms:"]})
    for select in shapes.objects(None, SH.select):
        assert query_predicates(str(select), known), select


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?this WHERE { ?this ?p ?this }",
        "SELECT ?x WHERE { ?x rk:a ?y ; ?p ?z }",
        "SELECT ?x WHERE { ?x rk:a ?y , ?z . ?z ?p ?w }",
        "SELECT ?x WHERE { ?x !rk:a ?y }",
        "SELECT ?x WHERE { ?x (rk:a|rk:b) ?y }",
        "SELECT ?x WHERE { ?x rk:a ?y FILTER NOT EXISTS { ?y ?p ?z } }",
        "SELECT ?x WHERE { BIND (EXISTS { ?x ?p 1 } AS ?b) }",
        "SELECT ?x WHERE { ?x rk:a [ ?p ?z ] }",
        "SELECT ?x WHERE { ?x unknown:a ?y }",
        "SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?y } } }",
    ],
)
def test_a_query_that_may_read_any_predicate_loads_everything(query):
    from reformkg.graph.pipeline.shacl import query_predicates

    assert query_predicates(query, {"rk": RK}) is None
    assert query_predicates(
        "SELECT ?x WHERE { ?x rk:a/rk:b+ ?y ; ^rk:c 1 . ?y a rk:T }", {"rk": RK}
    ) == {RK + "a", RK + "b", RK + "c", RK + "T", str(RDF.type)}


EXTRA_SHAPES = """
rks:FallbackShape a sh:NodeShape ; sh:targetClass rk:Measure ;
    sh:property [ sh:path rk:leadAgency ; sh:nodeKind sh:Literal ; sh:message "test: a literal" ] .
rks:DefaultMessageShape a sh:NodeShape ; sh:targetClass rk:Measure ;
    sh:property [ sh:path rk:number ; sh:maxInclusive 0 ] .
rks:PathShape a sh:NodeShape ; sh:targetNode <https://w3id.org/reformkg/id/measure/d1/1> ;
    sh:property [ sh:path ( rk:inDocument rk:batchOrder ) ; sh:maxInclusive 0 ;
                  sh:message "test: a path of two steps" ] .
"""


@pytest.mark.parametrize("lift", [True, False], ids=["lifted", "as-written"])
def test_what_the_engine_does_not_compile_goes_to_pyshacl(ontology, tmp_path, lift):
    """A component the engine does not compile (sh:nodeKind), a result without sh:message (a
    default message other than sh:or's) and a path of two steps: those shapes are checked by
    pySHACL, never skipped, and the results are pySHACL's."""
    from reformkg.graph.pipeline.shacl import compile_shapes

    path = tmp_path / "shapes.ttl"
    path.write_text(SHAPES.read_text(encoding="utf-8") + EXTRA_SHAPES, encoding="utf-8")
    extra = load_shapes(path, lift=lift)
    left = {str(s) for s in compile_shapes(extra).fallback}
    assert len(left) >= 3
    g = graph_of(ontology)
    found = validate(g, extra, include_warnings=True)
    assert found == _oracle(g, extra)
    messages = {v.message for v in found}
    assert {"test: a literal", "test: a path of two steps"} <= messages
    assert any(m.startswith("Value is not <=") for m in messages), messages


def _broken(g: Graph, every: int) -> Graph:
    """`g` with every `every`-th triple dropped and, for as many, the object of one triple put
    on the next: missing values, wrong datatypes, wrong classes, over many nodes."""
    triples = sorted(g)
    out = Graph()
    for i, (s, p, o) in enumerate(triples):
        if i % every == 0:
            continue
        if i % every == 1:
            o = triples[i - 2][2]
        out.add((s, p, o))
    return out


def test_compiled_engine_on_the_bundled_build(build_dir: Path, shapes):
    """The bundled build, whole and broken: the same results as pySHACL's."""
    from reformkg.graph.pipeline.validate import load_built_graphs

    data, _ = load_built_graphs(build_dir)
    for g in (data, _broken(data, 97)):
        oracle = validate(g, shapes, include_warnings=True, engine="pyshacl")
        assert validate(g, shapes, include_warnings=True) == oracle
    assert len(oracle) > 100
    assert len({v.component for v in oracle}) >= 6


def test_compiled_engine_on_a_synthetic_corpus(tmp_path: Path, shapes):
    """A 1x synthetic corpus (bench/generate.py), built, whole and broken: the same results as
    pySHACL's."""
    from bench.generate import generate
    from reformkg.graph.pipeline.build import build
    from reformkg.graph.pipeline.validate import load_built_graphs
    from reformkg.settings import Settings

    corpus = generate(tmp_path / "corpus", 1, 5)
    settings = replace(Settings.defaults(), data_dir=corpus.out_dir, build_dir=tmp_path / "build")
    build(settings)
    data, _ = load_built_graphs(settings.build_dir)
    for g in (data, _broken(data, 89)):
        oracle = validate(g, shapes, include_warnings=True, engine="pyshacl")
        assert validate(g, shapes, include_warnings=True) == oracle
    assert len(oracle) > 100
    assert len({v.component for v in oracle}) >= 6

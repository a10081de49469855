"""Issue #18: linked data a legal-data publisher would sign.

One section per numbered finding of the issue; each test fails on the code before the issue
and passes after. Finding 1 (validation that catches wrong-type links) is tested in
tests/test_shapes.py next to the other shapes, and the cax-adc rule in tests/test_reasoning.py.
Everything here runs on the session's real build, its store and a real uvicorn server.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx
import owlrl
import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from reformkg.etl.normalise import deadline
from reformkg.graph.query.named import list_queries, run_named
from reformkg.graph.query.store import BuildStore
from reformkg.vocab import (
    DATASET_IRI,
    DERIVED_GRAPH,
    ID,
    ONTOLOGY_IRI,
    RK,
    STATUS_LANDED,
    STATUS_NO_DEADLINE,
    TIME,
    VOID,
)

from checkout import ROOT

P = """PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX th: <https://w3id.org/reformkg/id/theme/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


class Stores:
    """The endpoint's two datasets, both from the build's one store: default (`asserted`:
    its default graph) and with inference (`all`: the union flag adds graph/inferred)."""

    def __init__(self, store: BuildStore) -> None:
        self.asserted = self.all = store


@pytest.fixture(scope="module")
def stores(store) -> Stores:
    return Stores(store)


def count(store: ox.Store, where: str, *, union: bool = True) -> int:
    rows = list(
        store.query(
            P + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", use_default_graph_as_union=union
        )
    )
    return int(rows[0]["n"].value)


def rows(store: ox.Store, query: str, *, union: bool = True) -> list[dict[str, str | None]]:
    result = store.query(P + query, use_default_graph_as_union=union)
    names = [v.value for v in result.variables]
    return [{n: (r[n].value if r[n] is not None else None) for n in names} for r in result]


# --------------------------------------------------------------------------- finding 2


SHORTCUTS = [
    "?m rk:involvesAgency ?a",
    "?a rk:involvedIn ?m",
    "?a rk:leads ?m",
    "?a rk:responsibleFor ?m",
    "?m rk:evolvesInto ?n",
    "?m rk:hasTheme th:finance",
    "?d rk:hasMeasure ?m",
]


@pytest.mark.parametrize("pattern", SHORTCUTS)
def test_finding2_shortcuts_answer_in_the_default_dataset(stores, pattern):
    """Before: `?m rk:involvesAgency ?a` gave 0 rows by default and 676 with inference; finance
    had 25 measures by default and 38 with inference; rk:hasMeasure was never produced."""
    default = count(stores.asserted, pattern, union=False)
    inferred = count(stores.all, pattern)
    assert default > 0, f"{pattern}: nothing in the default dataset"
    assert default == inferred, f"{pattern}: {default} by default, {inferred} with inference"


def test_finding2_figures_of_the_issue(stores):
    default = stores.asserted
    lead_or_responsible = "{ ?m rk:leadAgency ?a } UNION { ?m rk:responsibleAgency ?a }"
    assert count(default, "?m rk:involvesAgency ?a", union=False) == count(
        default, f"SELECT DISTINCT ?m ?a WHERE {{ {lead_or_responsible} }}", union=False
    )
    finance = rows(
        default,
        "SELECT DISTINCT ?m WHERE { ?m rk:themeAssignment/rk:assignedTheme/skos:broader* th:finance }",
        union=False,
    )
    assert count(default, "?m rk:hasTheme th:finance", union=False) == len(finance) > 0
    assert count(default, "?d rk:hasMeasure ?m", union=False) == count(
        default, "?m a rk:Measure", union=False
    )


def _example_triples() -> list[tuple[str, str, str]]:
    """Every skos:example of reform.ttl written as a triple `id:… rk:p id:…`."""
    g = Graph().parse(ROOT / "ontology" / "reform.ttl")
    out = []
    for text in sorted(str(o) for o in g.objects(None, SKOS.example)):
        m = re.fullmatch(r"(id:\S+) (rk:\w+) (id:\S+)", text)
        if m:
            out.append(m.groups())
    assert len(out) > 20
    return out


@pytest.mark.parametrize(("s", "p", "o"), _example_triples())
def test_finding2_every_documented_example_answers_the_same_without_the_switch(stores, s, p, o):
    """The ontology's examples are the documented queries of each property: each holds in the
    default dataset exactly when it holds with inference."""
    ask = f"ASK {{ <{ID}{s[3:]}> {p} <{ID}{o[3:]}> }}"
    default = bool(stores.asserted.query(P + ask))
    inferred = bool(stores.all.query(P + ask, use_default_graph_as_union=True))
    assert default == inferred, f"{s} {p} {o}: default {default}, with inference {inferred}"


def _unordered(rows: list[dict]) -> list[dict]:
    """Rows with every GROUP_CONCAT list sorted (SPARQL leaves its order open)."""
    return [
        {k: "; ".join(sorted(v.split("; "))) if isinstance(v, str) else v for k, v in r.items()}
        for r in rows
    ]


def test_finding2_named_queries_answer_the_same_with_and_without_the_switch(settings, stores):
    for q in list_queries(settings.queries_dir):
        plain = run_named(stores.asserted, q.name, {}, settings.queries_dir)
        switched = run_named(stores.all, q.name, {}, settings.queries_dir, inference=True)
        assert _unordered(plain) == _unordered(switched), q.name


def test_finding2_derived_graph_is_marked_with_provenance(store):
    assert count(store, f"GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }}") > 0
    sub = rows(
        store,
        f"""SELECT ?activity ?rules WHERE {{ ?sub <http://www.w3.org/ns/sparql-service-description#name>
            <{DERIVED_GRAPH}> ; <http://www.w3.org/ns/prov#wasGeneratedBy> ?activity ;
            <http://www.w3.org/ns/prov#wasDerivedFrom> ?from .
            ?activity rdfs:comment ?rules }}""",
    )
    assert sub and "rk:involvesAgency" in str(sub[0]["rules"])


# --------------------------------------------------------------------------- finding 3


def test_finding3_well_known_void_and_dataset_iri_give_rdf(live_server):
    turtle = httpx.get(live_server + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=turtle.text, format="turtle")
    ds = URIRef(str(DATASET_IRI))
    assert (ds, RDF.type, VOID.Dataset) in g
    assert (ds, RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")) in g
    assert g.value(ds, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ds, DCTERMS.publisher) is not None
    assert g.value(ds, URIRef("http://www.w3.org/2002/07/owl#versionInfo")) is not None
    assert str(g.value(ds, URIRef("http://www.w3.org/ns/dcat#version"))).startswith("0.")
    assert len(set(g.objects(ds, DCTERMS.source))) == 5
    assert g.value(ds, VOID.sparqlEndpoint) == URIRef("https://w3id.org/reformkg/sparql")
    assert str(g.value(ds, VOID.uriSpace)) == str(ID)
    assert len(set(g.objects(ds, VOID.exampleResource))) >= 3
    dists = set(g.objects(ds, URIRef("http://www.w3.org/ns/dcat#distribution")))
    urls = {str(g.value(d, URIRef("http://www.w3.org/ns/dcat#downloadURL"))) for d in dists}
    assert {u.rsplit("/", 1)[-1] for u in urls if u != "None"} == {
        "dataset.nq",
        "dataset.trig",
        "dataset.ttl",
    }
    classes = {
        g.value(p, VOID["class"]): int(g.value(p, VOID.entities))
        for p in g.objects(ds, VOID.classPartition)
    }
    assert classes[RK.Measure] == 349 and classes[RK.Document] == 5
    properties = {g.value(p, VOID.property) for p in g.objects(ds, VOID.propertyPartition)}
    assert RK.leadAgency in properties and RK.involvesAgency in properties
    linksets = [s for s in g.objects(ds, VOID.subset) if (s, RDF.type, VOID.Linkset) in g]
    assert len(linksets) == 1 and (linksets[0], VOID.linkPredicate, RK.evolvesFrom) in g
    # the dataset IRI dereferences to the same description
    same = httpx.get(live_server + "/id/dataset", headers={"Accept": "text/turtle"})
    assert Graph().parse(data=same.text, format="turtle").isomorphic(g)
    # and a browser is sent to its page
    page = httpx.get(live_server + "/.well-known/void", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/id/dataset"


def test_finding3_dumps_are_downloadable(live_server, build_dir: Path):
    answer = httpx.get(live_server + "/download/dataset.trig")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/trig"
    assert answer.content == (build_dir / "dataset.trig").read_bytes()
    assert httpx.get(live_server + "/download/report.json").status_code == 404


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
    ],
)
@pytest.mark.parametrize("path", ["/ontology", "/ontology/0.1.0"])
def test_finding3_ontology_iri_and_version_iri_negotiate(live_server, path, accept, fmt):
    """Before: /ontology answered HTML even for Accept: text/turtle, and the versionIRI gave an
    empty body."""
    answer = httpx.get(live_server + path, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text[:200]
    assert answer.headers["content-type"].startswith(accept)
    assert "Accept" in answer.headers.get("vary", "")
    g = Graph().parse(data=answer.text, format=fmt)
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in g
    assert (RK.Measure, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in g


def test_finding3_ontology_page_and_shapes(live_server):
    page = httpx.get(live_server + "/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert httpx.get(live_server + "/ontology/9.9.9").status_code == 404
    shapes = httpx.get(live_server + "/shapes", headers={"Accept": "text/turtle"})
    assert shapes.status_code == 200
    g = Graph().parse(data=shapes.text, format="turtle")
    assert (
        URIRef("https://w3id.org/reformkg/shapes#MeasureShape"),
        RDF.type,
        URIRef("http://www.w3.org/ns/shacl#NodeShape"),
    ) in g


def test_finding3_linked_from_service_description_and_home_page(live_server):
    sd = Graph().parse(data=httpx.get(live_server + "/sparql").text, format="turtle")
    assert URIRef(str(DATASET_IRI)) in set(sd.objects())
    home = httpx.get(live_server + "/").text
    assert 'href="/id/dataset"' in home and 'href="/.well-known/void"' in home


def test_finding3_licences_say_data_is_cc_by(build_dir: Path):
    onto = Graph().parse(ROOT / "ontology" / "reform.ttl")
    assert onto.value(URIRef(ONTOLOGY_IRI), DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


# --------------------------------------------------------------------------- finding 4


@pytest.fixture(scope="module")
def eli_closure(build_dir: Path) -> Graph:
    """The default dataset, reform.ttl and the restated ELI terms, closed under OWL 2 RL."""
    from reformkg.graph.pipeline.reason import infer
    from reformkg.graph.pipeline.validate import load_built_graphs

    data, _ = load_built_graphs(build_dir)
    eli = Graph().parse(ROOT / "tests" / "data" / "eli" / "eli-terms-restated.ttl")
    ontology = Graph().parse(ROOT / "ontology" / "reform.ttl")
    for t in eli:
        ontology.add(t)
    closure = Graph()
    for t in data:
        closure.add(t)
    for t in infer(data, ontology):  # the engine the build uses: resource-valued entailments
        closure.add(t)
    # literal-valued ones (rk:documentNumber ⊑ eli:id_local) from owlrl itself, on the few
    # triples of a literal-valued property that has a super-property
    small = Graph()
    for t in ontology:
        small.add(t)
    subs = set(ontology.subjects(RDFS.subPropertyOf, None))
    for s, p, o in data:
        if isinstance(o, Literal) and p in subs:
            small.add((s, p, o))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False).expand(small)
    for s, p, o in small:
        if isinstance(o, Literal):
            closure.add((s, p, o))
    return closure


def test_finding4_an_eli_only_query_finds_the_documents_numbers_and_parts(eli_closure):
    """ELI terms only: legal resources that are part of nothing, their local id, their parts."""
    found = eli_closure.query(
        P
        + """SELECT ?act (SAMPLE(?id) AS ?number) (COUNT(DISTINCT ?part) AS ?parts) WHERE {
            ?act a eli:LegalResource .
            FILTER NOT EXISTS { ?act eli:is_part_of ?whole }
            OPTIONAL { ?act eli:id_local ?id }
            ?part eli:is_part_of ?act .
        } GROUP BY ?act"""
    )
    by_act = {str(r.act).rsplit("/", 1)[-1]: (r.number, int(r.parts)) for r in found}
    assert set(by_act) == {
        "sz-bizenv-2022-b1",
        "ndrc-sz-ccr-2023-b2",
        "qhsk-ftz-b6",
        "ccr-typical-2024",
        "ccr-practices-undated",
    }
    assert str(by_act["ndrc-sz-ccr-2023-b2"][0]) == "发改体改〔2023〕1447号"
    assert all(parts > 20 for _, parts in by_act.values())
    passed = eli_closure.query(P + "SELECT ?a WHERE { ?d eli:passed_by ?a }")
    assert len(list(passed)) >= 1


def test_finding4_documents_are_schema_legislation_with_their_number(store):
    docs = rows(
        store,
        """SELECT ?d ?id WHERE { ?d a rk:Document , <https://schema.org/Legislation> .
           OPTIONAL { ?d dcterms:identifier ?id } }""",
    )
    assert len(docs) == 5
    numbers = {d["d"].rsplit("/", 1)[-1]: d["id"] for d in docs}
    assert numbers["ndrc-sz-ccr-2023-b2"] == "发改体改〔2023〕1447号"
    assert not any(n and n.startswith(("sz-", "ccr-", "qhsk-")) for n in numbers.values())


# --------------------------------------------------------------------------- finding 5


def test_finding5_deadline_precision_next_to_the_sortable_date(store):
    assert deadline("2022年6月底") == ("2022-06-30", "month")
    assert deadline("2022年底") == ("2022-12-31", "year")
    assert deadline("2022年6月15日") == ("2022-06-15", "day")
    assert deadline("已落地，持续巩固提升") == (None, None)
    by_text = rows(
        store,
        """SELECT ?text ?due ?unit (COUNT(*) AS ?n) WHERE {
            ?m rk:deadlineText ?text ; rk:deadline ?due ; rk:deadlinePrecision ?unit }
           GROUP BY ?text ?due ?unit""",
    )
    assert {(r["text"], r["due"], r["unit"], r["n"]) for r in by_text} == {
        ("2022年3月底", "2022-03-31", str(TIME.unitMonth), "17"),
        ("2022年6月底", "2022-06-30", str(TIME.unitMonth), "66"),
        ("2022年12月底", "2022-12-31", str(TIME.unitMonth), "102"),
    }


def test_finding5_implementation_status_from_the_scheme(store, parsed_docs):
    landed = count(store, f"?m rk:implementationStatus <{STATUS_LANDED}>")
    assert (
        landed
        == 31
        == sum(m.deadline_text.startswith("已落地") for d in parsed_docs for m in d.measures)
    )
    no_deadline = count(store, f"?m rk:implementationStatus <{STATUS_NO_DEADLINE}>")
    assert no_deadline == sum(not m.deadline_text for d in parsed_docs for m in d.measures)
    labels = rows(
        store,
        """SELECT ?s ?zh WHERE { ?s skos:inScheme <https://w3id.org/reformkg/id/status/scheme> ;
           skos:prefLabel ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }""",
    )
    assert {r["zh"] for r in labels} == {"已落地", "逾期", "未到期", "无时限"}


def test_finding5_inferred_dates_are_never_an_invented_day(store, parsed_docs):
    docs = rows(
        store,
        """SELECT ?d ?status ?issued ?after ?before ?evidence WHERE {
            ?d a rk:Document ; rk:dateStatus ?status .
            OPTIONAL { ?d dcterms:issued ?issued } OPTIONAL { ?d rk:issuedNotAfter ?before }
            OPTIONAL { ?d rk:issuedNotBefore ?after } OPTIONAL { ?d rk:dateEvidence ?evidence } }""",
    )
    by_id = {r["d"].rsplit("/", 1)[-1]: r for r in docs}
    for r in docs:
        if r["status"] == "inferred":
            assert r["issued"] is None or re.fullmatch(r"\d{4}(-\d{2})?", r["issued"]), r
            assert r["after"] or r["before"] or r["issued"], r
    # the 2022 list: the evidence quotes the earliest deadline it really prints, and the count
    first = by_id["sz-bizenv-2022-b1"]
    measures = [m for d in parsed_docs if d.meta.doc_id == "sz-bizenv-2022-b1" for m in d.measures]
    earliest = min(m.deadline_date for m in measures if m.deadline_date)
    texts = Counter(m.deadline_text for m in measures if m.deadline_date == earliest)
    ((text, n),) = texts.items()
    assert first["before"] == earliest == "2022-03-31"
    assert f"{text}, in {n} rows" in first["evidence"] and n == 17
    second = by_id["ccr-typical-2024"]
    assert second["after"] == "2024-10-01" and second["issued"] is None


def test_finding5_manifest_refuses_an_inferred_day(tmp_path):
    from reformkg.errors import InputError
    from reformkg.etl.manifest import load_manifest

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nid = "a"\nfile = "a.txt"\ntitle = "t"\nkind = "ccr-measures"\n'
        'batch_order = 1\njurisdiction = "shenzhen"\ndate = "2022-01-01"\n'
        'date_status = "inferred"\ndate_evidence = "a guess"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="never a day") as err:
        load_manifest(tmp_path / "manifest.toml", {"shenzhen"})
    assert "manifest.toml:1" in str(err.value)


# --------------------------------------------------------------------------- finding 6


def test_finding6_agency_roles_keep_printed_order_and_notes(store, parsed_docs):
    roles = rows(
        store,
        """SELECT ?m ?pos ?name ?printed WHERE {
            ?m rk:agencyRole ?r . ?r rk:role <https://w3id.org/reformkg/id/agency-role/lead> ;
               rk:position ?pos ; rk:agency/skos:prefLabel ?name ; rk:nameRaw ?printed }""",
    )
    got: dict[str, list[tuple[int, str]]] = {}
    for r in roles:
        got.setdefault(r["m"], []).append((int(r["pos"]), r["name"]))
    several = 0
    for d in parsed_docs:
        for m in d.measures:
            iri = f"{ID}measure/{d.meta.doc_id}/{m.number}" + (f"-{m.part}" if m.part else "")
            expected = [a.canonical for a in m.lead]
            assert [n for _, n in sorted(got.get(iri, []))] == expected, iri
            several += len(expected) > 1
    assert several == 61
    notes = rows(
        store,
        """SELECT ?note (COUNT(*) AS ?n) WHERE { ?r a rk:AgencyRole ; rk:agencyNote ?note }
           GROUP BY ?note""",
    )
    assert {r["note"] for r in notes} == {"按职责分工负责"}
    assert sum(int(r["n"]) for r in notes) == 42
    assert count(store, "?m a rk:Measure ; rk:agencyNote ?x") == 0
    # the shortcuts other pages use are still there
    assert count(store, "?m rk:leadAgency ?a") == count(
        store, "?m rk:agencyRole/rk:role <https://w3id.org/reformkg/id/agency-role/lead>"
    )


# --------------------------------------------------------------------------- finding 7


def test_finding7_chinese_is_tagged_zh_hans_never_bare_zh(build_dir: Path):
    tags: Counter[str] = Counter()
    han, latin = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{3,}")
    for quad in ox.parse(path=str(build_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS):
        o = quad.object
        if isinstance(o, ox.Literal) and o.language:
            tags[o.language] += 1
            if han.search(o.value) and not latin.search(o.value):  # Chinese text, not English
                assert o.language.lower() in {"zh-hans", "zh-hant"}, quad  # BCP 47: any case
    assert "zh" not in tags and tags["zh-hans"] > 1000


def test_finding7_queries_match_chinese_with_langmatches():
    exact = re.compile(r"""lang\s*\(\s*\?\w+\s*\)\s*=\s*["']zh["']""", re.I)
    for folder in ("queries", "graph", "viz", "web"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".rq", ".py", ".js", ".html"}:
                assert not exact.search(path.read_text(encoding="utf-8")), path


def test_finding7_no_skos_label_clash_and_names_still_classify(store):
    """27 of 53 themes repeated their prefLabel as a hiddenLabel (SKOS S13)."""
    clash = "?c skos:prefLabel ?l . { ?c skos:hiddenLabel ?l } UNION { ?c skos:altLabel ?l }"
    assert count(store, clash) == 0
    from reformkg.etl.themes import load_vocabulary

    vocab = load_vocabulary(ROOT / "ontology")  # every Chinese label is a term (issue 17)
    assert "知识产权" in vocab.concepts["intellectual-property"].terms
    assert "知识产权证券化" in vocab.concepts["ip-securitisation"].terms


def test_finding7_source_place_only_where_printed(store, parsed_docs):
    for d in parsed_docs:
        for m in d.measures:
            iri = f"{ID}measure/{d.meta.doc_id}/{m.number}" + (f"-{m.part}" if m.part else "")
            places = {
                r["p"] for r in rows(store, f"SELECT ?p WHERE {{ <{iri}> rk:sourcePlace ?p }}")
            }
            where = {
                r["p"] for r in rows(store, f"SELECT ?p WHERE {{ <{iri}> rk:jurisdiction ?p }}")
            }
            if m.places_raw.strip():
                assert places and not where, iri
            else:
                assert not places and where == {f"{ID}place/{d.meta.jurisdiction}"}, iri
    assert count(store, "?m a rk:Measure ; rk:sourcePlace ?p") == 73


def test_finding7_link_evidence_typed_and_scores_apart(store):
    assert (
        count(store, "?l rk:evidenceTerm ?t FILTER(REGEX(STR(?t), '^(agency|theme|place|via):'))")
        == 0
    )
    assert count(store, "?l rk:evidenceTerm ?t FILTER(!LANGMATCHES(LANG(?t), 'zh'))") == 0
    assert count(store, "?l rk:sharedAgency ?a . ?a a rk:Agency") > 0
    assert count(store, "?l rk:sharedTheme ?t . ?t a skos:Concept") > 0
    assert count(store, "?x <https://w3id.org/reformkg/ontology#score> ?s") == 0
    assert count(store, "?l rk:linkScore ?s FILTER(?s < 0 || ?s > 1)") == 0
    assert count(store, "?l a rk:MeasureLink ; rk:linkScore ?s") == count(
        store, "?l a rk:MeasureLink"
    )
    assert count(store, "?a a rk:ThemeAssignment ; rk:themeScore ?s FILTER(?s > 0)") == count(
        store, "?a a rk:ThemeAssignment"
    )

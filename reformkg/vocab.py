"""Ground: the one vocabulary module: prefixes, graph names and every IRI the product mints.

`RK` is a closed namespace: a misspelt term raises at once instead of minting a
wrong IRI. `tests/test_ontology.py::test_namespace_and_ontology_do_not_drift_apart`
fails when this list and `ontology/reform.ttl` drift apart, so the ontology file stays the one place where
terms are defined and this module only names them for Python.

Data IRIs are readable and stable: they are built from the manifest's document id,
the printed item number, and canonical names, never from counters or hashes, so a
rebuild gives the same IRIs and analysts' saved queries keep working.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/reformkg/"
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")

#: Every prefix the product writes or reads, one table. Selections of it (`prefixes`) keep
#: each output's own choice and order: the dumps declare theirs in the order below.
PREFIXES: dict[str, str] = {
    "rk": BASE + "ontology#",
    "id": str(ID),
    "graph": str(GRAPH),
    "th": str(ID) + "theme/",
    "rks": BASE + "shapes#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "schema": "https://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
}


def prefixes(*names: str) -> dict[str, str]:
    """A selection of PREFIXES, in the order asked (KeyError for an unknown name)."""
    return {name: PREFIXES[name] for name in names}


def sparql_prefixes(table: dict[str, str] | None = None) -> str:
    """`PREFIX p: <ns>` lines for a SPARQL query (every prefix unless `table` is given)."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (table or PREFIXES).items())


#: The prefixes declared in dataset.trig and dataset.ttl (order kept: the files are stable).
DUMP_PREFIXES = prefixes(
    "rk", "id", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "prov", "org", "eli", "schema"
)
#: The prefixes shown on pages and pre-declared on the query page.
PAGE_PREFIXES = prefixes(
    "rk",
    "id",
    "graph",
    "rdf",
    "rdfs",
    "owl",
    "skos",
    "dcterms",
    "prov",
    "org",
    "xsd",
    "sh",
    "void",
    "dcat",
    "eli",
    "schema",
    "time",
)
SPARQL_PREFIXES = sparql_prefixes()
RK_NS = PREFIXES["rk"]
ORG = Namespace(PREFIXES["org"])
PROV = Namespace(PREFIXES["prov"])
ELI = Namespace(PREFIXES["eli"])
SCHEMA = Namespace(PREFIXES["schema"])
TIME = Namespace(PREFIXES["time"])
DCAT = Namespace(PREFIXES["dcat"])
VOID = Namespace(PREFIXES["void"])
SD = Namespace(PREFIXES["sd"])


class RK(DefinedNamespace):
    """The ReformKG ontology (ontology/reform.ttl)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Measure: URIRef
    ReformItem: URIRef
    Document: URIRef
    Section: URIRef
    Agency: URIRef
    CollectiveAgency: URIRef
    AgencyLevel: URIRef
    Place: URIRef
    PromotionScope: URIRef
    PracticePoint: URIRef
    ThemeAssignment: URIRef
    MeasureLink: URIRef
    LinkRelation: URIRef
    AgencyRole: URIRef
    # agency levels (individuals of AgencyLevel)
    NationalLevel: URIRef
    ProvincialLevel: URIRef
    CityLevel: URIRef
    DistrictLevel: URIRef
    CollectiveLevel: URIRef
    # link relations (individuals of LinkRelation)
    SameReform: URIRef
    Evolution: URIRef
    Related: URIRef
    # measure structure
    inDocument: URIRef
    hasMeasure: URIRef
    inSection: URIRef
    sectionOf: URIRef
    partOfItem: URIRef
    hasPart: URIRef
    number: URIRef
    numberLabel: URIRef
    part: URIRef
    starred: URIRef
    starMeaning: URIRef
    nameRaw: URIRef
    parseFlag: URIRef
    practiceText: URIRef
    practiceTextRaw: URIRef
    hasPracticePoint: URIRef
    position: URIRef
    text: URIRef
    effectText: URIRef
    effectTextRaw: URIRef
    duplicatedText: URIRef
    sourcePlace: URIRef
    promotionScope: URIRef
    scopeRaw: URIRef
    deadline: URIRef
    deadlineText: URIRef
    deadlinePrecision: URIRef
    implementationStatus: URIRef
    # agencies
    involvesAgency: URIRef
    leadAgency: URIRef
    responsibleAgency: URIRef
    involvedIn: URIRef
    leads: URIRef
    responsibleFor: URIRef
    leadAgencyRaw: URIRef
    responsibleAgencyRaw: URIRef
    printedInTraditional: URIRef
    agencyNote: URIRef
    agencyRole: URIRef
    agency: URIRef
    role: URIRef
    level: URIRef
    jurisdiction: URIRef
    # places
    withinPlace: URIRef
    # provenance
    sourceFile: URIRef
    lineStart: URIRef
    lineEnd: URIRef
    # documents
    kind: URIRef
    batchOrder: URIRef
    dateStatus: URIRef
    dateEvidence: URIRef
    documentNumber: URIRef
    issuedBy: URIRef
    issuedNotBefore: URIRef
    issuedNotAfter: URIRef
    previousBatchText: URIRef
    sectionInferred: URIRef
    # themes
    hasTheme: URIRef
    themeAssignment: URIRef
    assignedTheme: URIRef
    themeScore: URIRef
    matchedTerm: URIRef
    matchedField: URIRef
    matchedExample: URIRef
    # cross-batch links
    evolvesFrom: URIRef
    evolvesInto: URIRef
    sameReformAs: URIRef
    relatedTo: URIRef
    linkSource: URIRef
    linkTarget: URIRef
    relation: URIRef
    method: URIRef
    linkScore: URIRef
    evidenceTerm: URIRef
    # reform lineages and curator review
    Reform: URIRef
    LinkReview: URIRef
    LinkStatus: URIRef
    ReviewDecision: URIRef
    MachineProposed: URIRef
    CuratorConfirmed: URIRef
    CuratorAdded: URIRef
    Confirm: URIRef
    Reject: URIRef
    Add: URIRef
    hasVersion: URIRef
    versionOf: URIRef
    linkStatus: URIRef
    reviewedIn: URIRef
    decision: URIRef
    reviewedSource: URIRef
    reviewedTarget: URIRef
    reviewedRelation: URIRef
    sharedAgency: URIRef
    sharedPlace: URIRef
    sharedTheme: URIRef
    viaMeasure: URIRef


def _materialise(namespace: type[DefinedNamespace]) -> None:
    """Each term of a defined namespace becomes a plain class attribute, the very URIRef its
    lookup returns. rdflib resolves `RK.Measure` in Python on every access (about 2 µs): the
    build's loops made millions of them (seconds at 100×). Names not defined still go through
    rdflib's lookup, which refuses them (`_fail`)."""
    for name in namespace.__annotations__:
        type.__setattr__(namespace, name, namespace[name])


_materialise(RK)

_IRI_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~*")


@lru_cache(maxsize=65536)  # the same document ids, numbers and names, many times over
def _segment(value: str) -> str:
    """One IRI path segment: Chinese and other non-ASCII letters stay readable (RFC 3987 ucschar),
    ASCII outside the unreserved set is percent-encoded, and so are spaces and control
    characters, so a segment never holds characters an IRI forbids."""
    out = []
    for ch in value:
        if ch in _IRI_SAFE or (
            ord(ch) > 127 and not ch.isspace() and unicodedata.category(ch)[0] not in "CZ"
        ):
            out.append(ch)
        else:
            out.append(quote(ch, safe=""))
    return "".join(out)


def document_iri(doc_id: str) -> URIRef:
    return ID[f"doc/{_segment(doc_id)}"]


def document_graph_iri(doc_id: str) -> URIRef:
    return GRAPH[f"doc/{_segment(doc_id)}"]


def section_iri(doc_id: str, index: int) -> URIRef:
    return ID[f"section/{_segment(doc_id)}/{index}"]


def item_iri(doc_id: str, number: str) -> URIRef:
    return ID[f"item/{_segment(doc_id)}/{_segment(number)}"]


def measure_path(doc_id: str, number: str, part: int | None = None) -> str:
    """`<doc>/<n>` for a one-row item, `<doc>/<n>-<part>` for a task row: the IRI's tail, also
    how a measure is named in evidence and on the command line."""
    suffix = _segment(number) if part is None else f"{_segment(number)}-{part}"
    return f"{_segment(doc_id)}/{suffix}"


def measure_iri(doc_id: str, number: str, part: int | None = None) -> URIRef:
    """`measure/<doc>/<n>` for a one-row item, `measure/<doc>/<n>-<part>` for task rows."""
    return ID[f"measure/{measure_path(doc_id, number, part)}"]


def measure_iri_of_path(path: str) -> URIRef:
    """The measure named by its path (`measure_path`), as evidence names it (theme examples)."""
    return ID[f"measure/{path}"]


def practice_point_iri(measure: URIRef, position: int) -> URIRef:
    return URIRef(f"{measure}/point/{position}")


def agency_iri(canonical_name: str) -> URIRef:
    return ID[f"agency/{_segment(canonical_name)}"]


def place_iri(place_id: str) -> URIRef:
    return ID[f"place/{_segment(place_id)}"]


def scope_iri(canonical_scope: str) -> URIRef:
    return ID[f"scope/{_segment(canonical_scope)}"]


def theme_iri(theme_id: str) -> URIRef:
    return ID[f"theme/{_segment(theme_id)}"]


def status_iri(key: str) -> URIRef:
    """An implementation status of the SKOS status scheme (`status/landed`, `status/overdue`,
    `status/not-due`, `status/no-deadline`)."""
    return ID[f"status/{_segment(key)}"]


def theme_assignment_iri(measure: URIRef, theme_id: str) -> URIRef:
    """The qualified assignment of a theme to a measure (`<measure>/theme/<id>`)."""
    return URIRef(f"{measure}/theme/{theme_id}")


def agency_role_iri(measure: URIRef, role: str, position: int) -> URIRef:
    """An agency's role on a measure (`<measure>/lead/1`): its column and its printed place there,
    so the IRI stays when the alias table renames the agency."""
    return URIRef(f"{measure}/{role}/{position}")


def link_iri(source: URIRef, target: URIRef) -> URIRef:
    """A qualified link between two measures, named by both ends (stable across builds)."""

    def tail(iri: URIRef) -> str:
        return str(iri).removeprefix(str(ID) + "measure/")

    return ID[f"link/{tail(source)}/{tail(target)}"]


def reform_iri(doc_id: str, number: str, part: int | None = None) -> URIRef:
    """A reform lineage, named after its earliest version (`reform/<doc>/<n>`): it stays the
    same across rebuilds as long as that measure does, and new batches only add later ones."""
    return ID[f"reform/{measure_path(doc_id, number, part)}"]


def review_iri(source: URIRef, target: URIRef) -> URIRef:
    """A curator's review of the pair (`review/<later tail>/<earlier tail>`), like link_iri."""
    return URIRef(str(link_iri(source, target)).replace(str(ID) + "link/", str(ID) + "review/"))


def curator_iri(name: str) -> URIRef:
    """The person named in the reviewer column of data/link-reviews.csv."""
    return ID[f"curator/{_segment(name)}"]


#: The software agent every machine link is attributed to (its version is the link's rk:method).
LINKER_AGENT = ID["agent/reformkg-linker"]

ENTITIES_GRAPH = GRAPH["entities"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
THEMES_GRAPH = GRAPH["themes"]
LINKS_GRAPH = GRAPH["links"]
INFERRED_GRAPH = GRAPH["inferred"]
DERIVED_GRAPH = GRAPH["derived"]
#: The dataset's own description (VoID, DCAT, licence, provenance), served at DATASET_IRI and
#: /.well-known/void.
DESCRIPTION_GRAPH = GRAPH["description"]
DATASET_IRI = ID["dataset"]
ONTOLOGY_VERSION_IRI_BASE = ONTOLOGY_IRI + "/"
SHAPES_IRI = BASE + "shapes"

PUBLISHER_IRI = ID["publisher"]
SPARQL_ENDPOINT_IRI = URIRef(BASE + "sparql")
#: Where the dumps are served (the app's /download/<file>).
DOWNLOAD_BASE = BASE + "download/"


def dataset_part_iri(kind: str, name: str) -> URIRef:
    """A part of the dataset's description, `id/dataset/<kind>/<name>`: a class or property
    partition (`rk:Measure`), a named graph's subset (its graph IRI's path, kept as it is), a
    distribution (`nq`), the build and derivation activities."""
    if kind == "graph":
        tail = name
    else:  # a compact name `rk:Measure` → `rk/Measure`
        prefix, _, local = name.partition(":")
        tail = f"{_segment(prefix)}/{_segment(local)}" if local else _segment(name)
    return ID[f"dataset/{kind}/{tail}"]


#: Implementation status of a measure (SKOS scheme in ontology/reform.ttl). landed and
#: no-deadline are asserted by the build; overdue and not-due depend on the day one asks and are
#: computed at query time from rk:deadline (docs/data-model.md).
STATUS_SCHEME = ID["status/scheme"]
STATUS_LANDED = status_iri("landed")
STATUS_OVERDUE = status_iri("overdue")
STATUS_NOT_DUE = status_iri("not-due")
STATUS_NO_DEADLINE = status_iri("no-deadline")
#: The role an agency plays on a measure (SKOS scheme in ontology/reform.ttl).
ROLE_SCHEME = ID["agency-role/scheme"]
ROLE_LEAD = ID["agency-role/lead"]
ROLE_RESPONSIBLE = ID["agency-role/responsible"]
#: The licence of the data and the ontology (docs/data-model.md says why).
DATA_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

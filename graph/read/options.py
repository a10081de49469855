"""Serve time: the choices of the forms (documents, themes, places, agencies) and names typed.

Every form of the workbench (named questions, workload, deadlines, search facets) fills its
dropdowns from here, read from the graph, so a choice always exists in the data. An agency
may be typed as its canonical name, an alias or a printed short name (市市场监管局), in
simplified or traditional characters: `resolve_agency` finds it through skos:prefLabel and
skos:altLabel, as the build's alias table resolved the printed cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reformkg.errors import QueryError
from reformkg.graph.query.named import NamedQuery
from reformkg.graph.query.store import SparqlStore, optional_int, optional_str, select
from reformkg.graph.read.measures import DOC_DATE
from reformkg.graph.read.terms import LEVELS
from reformkg.script import normalise, printed_only
from reformkg.vocab import ID, SPARQL_PREFIXES

__all__ = [
    "Agency",
    "Choice",
    "DocumentInfo",
    "Options",
    "documents",
    "options",
    "resolve_agency",
    "resolve_params",
    "short_id",
]


def short_id(iri: str, kind: str) -> str:
    """The readable tail of a data IRI (``…/id/doc/x`` → ``x``), as forms and URLs use it.

    >>> short_id("https://w3id.org/reformkg/id/agency/%E5%B1%80", "agency")
    '局'
    """
    from urllib.parse import unquote

    return unquote(str(iri).removeprefix(f"{ID}{kind}/"))


@dataclass(frozen=True)
class Choice:
    """One option of a dropdown: the value sent, the Chinese and English labels."""

    value: str
    zh: str
    en: str = ""
    iri: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    """A document as lists show it: short Chinese title, date and batch."""

    iri: str
    id: str
    title: str
    short_title: str
    issued: str | None
    date_status: str
    batch: int

    @property
    def year(self) -> str:
        return self.issued[:4] if self.issued else ""


@dataclass(frozen=True)
class Agency:
    iri: str
    name: str  # canonical
    level: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Options:
    documents: list[DocumentInfo]
    themes: list[Choice]
    places: list[Choice]
    agencies: list[Agency]
    levels: list[Choice]

    def document(self, iri: str) -> DocumentInfo | None:
        return next((d for d in self.documents if d.iri == iri), None)


# The manifest id is the tail of the document's IRI (dcterms:identifier is its 文号, issue 18);
# the date as known comes from measures.DOC_DATE (a year, a month or an interval when inferred).
_DOCS = f"""SELECT ?d ?id ?title (SAMPLE(?alt) AS ?short) (SAMPLE(?issued) AS ?date)
       (SAMPLE(?s) AS ?status) (SAMPLE(?o) AS ?batch) WHERE {{
  ?d a rk:Document ; dcterms:title ?title .
  BIND(STRAFTER(STR(?d), "/id/doc/") AS ?id)
  {printed_only("?title", "?d", "dcterms:title")}
  OPTIONAL {{ ?d dcterms:alternative ?alt {printed_only("?alt", "?d", "dcterms:alternative")} }}
  OPTIONAL {{ ?d dcterms:issued ?stated }}
  OPTIONAL {{ ?d rk:issuedNotBefore ?notBefore }} OPTIONAL {{ ?d rk:issuedNotAfter ?notAfter }}
  {DOC_DATE}
  OPTIONAL {{ ?d rk:dateStatus ?s }} OPTIONAL {{ ?d rk:batchOrder ?o }}
}} GROUP BY ?d ?id ?title"""

_THEMES = """SELECT ?t (SAMPLE(?zh) AS ?zhLabel) (SAMPLE(?en) AS ?enLabel) WHERE {
  ?t a skos:Concept ; skos:inScheme ?scheme .
  FILTER(STRSTARTS(STR(?t), STR(th:)))
  OPTIONAL { ?t skos:prefLabel ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }
  OPTIONAL { ?t skos:prefLabel ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
} GROUP BY ?t"""

_PLACES = """SELECT ?p (SAMPLE(?zh) AS ?zhLabel) (SAMPLE(?en) AS ?enLabel) WHERE {
  ?p a rk:Place .
  OPTIONAL { ?p rdfs:label ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }
  OPTIONAL { ?p rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
} GROUP BY ?p"""

_AGENCIES = """SELECT ?a (SAMPLE(?n) AS ?name) (SAMPLE(?lv) AS ?level)
       (GROUP_CONCAT(DISTINCT ?alias; separator="\\u0001") AS ?aliases) WHERE {
  { ?a a rk:Agency } UNION { ?a a rk:CollectiveAgency }
  ?a skos:prefLabel ?n .
  OPTIONAL { ?a rk:level ?lv } OPTIONAL { ?a skos:altLabel ?alias }
} GROUP BY ?a"""


def documents(store: SparqlStore) -> list[DocumentInfo]:
    """The documents in batch order."""
    rows = select(store, SPARQL_PREFIXES + _DOCS)
    docs = [
        DocumentInfo(
            str(r["d"]),
            str(r["id"]),
            str(r["title"]),
            str(r["short"] or r["title"]),
            optional_str(r["date"]),
            str(r["status"] or "unknown"),
            optional_int(r["batch"]) or 0,
        )
        for r in rows
    ]
    return sorted(docs, key=lambda d: (d.batch, d.id))


def _level(iri: object) -> str:
    return str(iri or "").rsplit("#", 1)[-1].removesuffix("Level").lower() or "unknown"


def options(store: SparqlStore) -> Options:
    """Every choice of the forms, read from the graph, sorted for reading."""
    themes = [
        Choice(short_id(str(r["t"]), "theme"), str(r["zhLabel"] or ""), str(r["enLabel"] or ""))
        for r in select(store, SPARQL_PREFIXES + _THEMES)
    ]
    places = [
        Choice(short_id(str(r["p"]), "place"), str(r["zhLabel"] or ""), str(r["enLabel"] or ""))
        for r in select(store, SPARQL_PREFIXES + _PLACES)
    ]
    agencies = [
        Agency(
            str(r["a"]),
            str(r["name"]),
            _level(r["level"]),
            tuple(sorted(set(filter(None, str(r["aliases"] or "").split("\u0001"))))),
        )
        for r in select(store, SPARQL_PREFIXES + _AGENCIES)
    ]
    levels = [Choice(k, zh, en) for k, (zh, en) in LEVELS.items() if k != "unknown"]
    return Options(
        documents(store),
        sorted(themes, key=lambda c: (c.zh == "", c.value)),
        sorted(places, key=lambda c: c.value),
        sorted(agencies, key=lambda a: a.name),
        levels,
    )


def resolve_agency(opts: Options, typed: str) -> Agency | None:
    """The agency a typed name means: canonical name, alias or printed short name, IRI or
    its tail, simplified or traditional; None when no agency is called so."""
    text = typed.strip()
    if not text:
        return None
    if text.startswith(str(ID)):
        return next((a for a in opts.agencies if a.iri == text), None)
    wanted = normalise(text)
    for agency in opts.agencies:
        if wanted in {normalise(agency.name), *(normalise(a) for a in agency.aliases)}:
            return agency
    return None


def resolve_params(opts: Options, query: NamedQuery, values: dict[str, str]) -> dict[str, str]:
    """The values with every agency parameter turned into its agency's IRI, whatever name was
    typed (canonical, alias, printed short name, either script); QueryError naming the
    parameter when no agency is called so. Other values pass unchanged."""
    out = dict(values)
    for param in query.params:
        typed = (values.get(param.name) or "").strip()
        if param.type != "agency" or not typed:
            continue
        agency = resolve_agency(opts, typed)
        if agency is None:
            raise QueryError(
                f"parameter {param.name}={typed!r}: no agency is called so "
                "(canonical name, alias or printed short name)"
            )
        out[param.name] = agency.iri
    return out

"""A measure's own fields, read from the store: the one place that knows how.

The measure pages (`reformkg.graph.read.resources.measure_summary`), the measures export
(`reformkg.graph.read.exports.measure_rows`) and the trace of a measure across batches
(`reformkg.graph.read.trace`) all show a measure's document, number, name, texts, deadline,
source lines, places and agencies; they all read them here, so they cannot drift apart.

The facts the SHACL shapes require of every measure (ontology/shapes.ttl: its type, label,
document, item, star, source file and lines; the document's identifier, title and batch order)
are required by the query too; everything else is optional. The shapes allow one value of each
field (one per script: a text printed in traditional characters has its simplified form beside
it, and the query keeps the printed one, reformkg.script.printed_only), so there is one row per
measure. Its links to places, agencies and themes, which may be
many, come grouped from a second query (their values sorted): pyoxigraph takes longer to plan a
query the more OPTIONALs it has, steeply (about 8 ms for both queries as one, 4 ms apart,
whatever the size of the store), and a measure page asks for one measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from reformkg.graph.query.store import (
    PlainValue,
    Row,
    SparqlStore,
    as_int,
    optional_int,
    optional_str,
    select,
)
from reformkg.script import printed_only
from reformkg.vocab import ROLE_LEAD, ROLE_RESPONSIBLE, SPARQL_PREFIXES

__all__ = [
    "DOC_DATE",
    "MEASURE_FIELDS_QUERY",
    "MEASURE_LINKS_QUERY",
    "SEP",
    "MeasureFields",
    "measure_fields",
]

#: A document's date as known, bound to ?issued from ?stated (dcterms:issued), ?notBefore and
#: ?notAfter: printed, a year or month, or the interval the evidence allows (issue 18), written
#: without words so that Chinese and English pages read it alike: "≥ 2024-10-01",
#: "≤ 2022-03-31", "2022-01-01 – 2022-03-31".
DOC_DATE = """BIND(COALESCE(STR(?stated),
                IF(BOUND(?notBefore) && BOUND(?notAfter),
                   CONCAT(STR(?notBefore), " – ", STR(?notAfter)), ?none),
                CONCAT("≥ ", STR(?notBefore)),
                CONCAT("≤ ", STR(?notAfter))) AS ?issued)"""

#: Separator of grouped values (places, agencies, themes) in the query's answer and in exports.
SEP = "；"

#: The measures' own fields, one row each, in batch order then printed order. `{values}` is
#: where `measure_fields` restricts ?m (or nothing: every measure); the `{…_printed}` slots
#: keep the printed text of each field (PRINTED).
MEASURE_FIELDS_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?m ?doc ?docId ?docTitle ?order ?issued ?dateStatus ?name ?nameRaw ?item ?number
       ?numberLabel ?part ?starred ?section ?sectionLabel ?leadRaw ?respRaw ?scopeRaw
       ?deadline ?deadlineText ?practice ?effect ?file ?start ?end
WHERE {{
  {values}
  ?m a rk:Measure ; rk:inDocument ?doc ; rdfs:label ?name ; rk:partOfItem ?item ;
     rk:starred ?starred ; rk:sourceFile ?file ; rk:lineStart ?start ; rk:lineEnd ?end .
  {name_printed}
  ?doc dcterms:title ?docTitle ; rk:batchOrder ?order .
  {title_printed}
  BIND(STRAFTER(STR(?doc), "/id/doc/") AS ?docId)  # the manifest id, as in the IRI
  OPTIONAL {{ ?doc dcterms:issued ?stated }}
  OPTIONAL {{ ?doc rk:issuedNotBefore ?notBefore }}
  OPTIONAL {{ ?doc rk:issuedNotAfter ?notAfter }}
  {DOC_DATE}
  OPTIONAL {{ ?doc rk:dateStatus ?dateStatus }}
  OPTIONAL {{ ?m rk:nameRaw ?nameRaw }}
  OPTIONAL {{ ?m rk:number ?number }}
  OPTIONAL {{ ?m rk:numberLabel ?numberLabel }}
  OPTIONAL {{ ?m rk:part ?part }}
  OPTIONAL {{ ?m rk:inSection ?section
              OPTIONAL {{ ?section rdfs:label ?sectionLabel {section_printed} }} }}
  OPTIONAL {{ ?m rk:leadAgencyRaw ?leadRaw }}
  OPTIONAL {{ ?m rk:responsibleAgencyRaw ?respRaw }}
  OPTIONAL {{ ?m rk:scopeRaw ?scopeRaw }}
  OPTIONAL {{ ?m rk:deadline ?deadline }}
  OPTIONAL {{ ?m rk:deadlineText ?deadlineText {deadline_printed} }}
  OPTIONAL {{ ?m rk:practiceText ?practice {practice_printed} }}
  OPTIONAL {{ ?m rk:effectText ?effect {effect_printed} }}
}}
ORDER BY ?order ?start ?m
"""
)

PRINTED = {
    "name_printed": printed_only("?name", "?m", "rdfs:label"),
    "title_printed": printed_only("?docTitle", "?doc", "dcterms:title"),
    "section_printed": printed_only("?sectionLabel", "?section", "rdfs:label"),
    "deadline_printed": printed_only("?deadlineText", "?m", "rk:deadlineText"),
    "practice_printed": printed_only("?practice", "?m", "rk:practiceText"),
    "effect_printed": printed_only("?effect", "?m", "rk:effectText"),
}

#: The measures' places (Chinese labels), lead and responsible agencies (preferred labels) and
#: theme ids, each joined by `{sep}`; `{values}` as in MEASURE_FIELDS_QUERY.
MEASURE_LINKS_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?m (GROUP_CONCAT(DISTINCT ?placeLabel; separator="{sep}") AS ?places)
       (GROUP_CONCAT(DISTINCT ?leadName; separator="{sep}") AS ?leads)
       (GROUP_CONCAT(DISTINCT ?respName; separator="{sep}") AS ?resps)
       (GROUP_CONCAT(DISTINCT ?themeId; separator="{sep}") AS ?themes)
WHERE {{
  {values}
  ?m a rk:Measure .
  OPTIONAL {{ ?m rk:sourcePlace/rdfs:label ?placeLabel
              FILTER(LANGMATCHES(LANG(?placeLabel), "zh")) }}
  # agencies in the order the cell prints them (rk:AgencyRole rk:position), as "position:name"
  OPTIONAL {{ ?m rk:agencyRole ?lr . ?lr rk:role <{lead}> ; rk:position ?lp ;
                 rk:agency/skos:prefLabel ?ln BIND(CONCAT(STR(?lp), ":", ?ln) AS ?leadName) }}
  OPTIONAL {{ ?m rk:agencyRole ?rr . ?rr rk:role <{responsible}> ; rk:position ?rp ;
                 rk:agency/skos:prefLabel ?rn BIND(CONCAT(STR(?rp), ":", ?rn) AS ?respName) }}
  OPTIONAL {{ ?m rk:themeAssignment/rk:assignedTheme ?theme
              BIND(STRAFTER(STR(?theme), "/theme/") AS ?themeId) }}
}}
GROUP BY ?m
"""
)


@dataclass(frozen=True)
class MeasureFields:
    """One measure as the graph states it. Optional fields are None when the graph has none;
    grouped ones are sorted tuples (empty when none)."""

    iri: str
    document: str  # the rk:Document's IRI
    doc_id: str  # its manifest id (the tail of its IRI)
    doc_title: str
    batch_order: int
    issued: (
        str | None
    )  # the document's date as known: ISO, a year or month, or an interval (DOC_DATE)
    date_status: str | None  # stated | inferred | unknown
    name: str
    name_raw: str | None  # the name as printed
    item: str  # the rk:ReformItem's IRI
    number: int | None
    number_label: str | None  # as printed (7*, 7-2 ...); continuation rows have none
    part: int | None  # the task row within a multi-row item
    starred: bool
    section: str | None  # the rk:Section's IRI
    section_label: str | None
    lead_raw: str | None  # 牵头单位 as printed
    responsible_raw: str | None  # 责任单位 as printed
    scope_raw: str | None  # 复制推广范围 as printed
    deadline: str | None  # ISO date
    deadline_text: str | None  # as printed
    practice: str | None
    effect: str | None
    source_file: str
    line_start: int
    line_end: int
    places: tuple[str, ...]  # Chinese labels of the source places
    lead_agencies: tuple[str, ...]  # preferred labels, in the order the cell prints them
    responsible_agencies: tuple[str, ...]  # preferred labels, in printed order
    themes: tuple[str, ...]  # theme ids (the tail of the theme IRI)


def measure_fields(store: SparqlStore, iris: Iterable[str] | None = None) -> list[MeasureFields]:
    """The fields of every measure, or of the measures `iris` (IRIs that are no measure of
    the store give nothing), in batch order, then printed order."""
    if iris is None:
        values = ""
    else:
        # pyoxigraph serialises (and so checks) each IRI: a caller's text is never query code.
        terms = " ".join(str(ox.NamedNode(iri)) for iri in iris)
        if not terms:
            return []
        values = f"VALUES ?m {{ {terms} }}"
    links = {
        str(r["m"]): r
        for r in select(
            store,
            MEASURE_LINKS_QUERY.format(
                sep=SEP, values=values, lead=ROLE_LEAD, responsible=ROLE_RESPONSIBLE
            ),
        )
    }
    own = select(store, MEASURE_FIELDS_QUERY.format(values=values, DOC_DATE=DOC_DATE, **PRINTED))
    return [_fields(r, links.get(str(r["m"]), {})) for r in own]


def _grouped(value: PlainValue | None) -> tuple[str, ...]:
    """A GROUP_CONCAT column as its values, sorted (empty when there are none)."""
    return tuple(sorted(str(value).split(SEP))) if value else ()


def _printed_order(value: PlainValue | None) -> tuple[str, ...]:
    """A GROUP_CONCAT of "position:name" as the names in printed order."""
    if not value:
        return ()
    pairs = [part.split(":", 1) for part in str(value).split(SEP)]
    return tuple(dict.fromkeys(name for _, name in sorted(pairs, key=lambda p: int(p[0]))))


def _fields(r: Row, links: Row) -> MeasureFields:
    return MeasureFields(
        iri=str(r["m"]),
        document=str(r["doc"]),
        doc_id=str(r["docId"]),
        doc_title=str(r["docTitle"]),
        batch_order=as_int(r["order"]),
        issued=optional_str(r["issued"]),
        date_status=optional_str(r["dateStatus"]),
        name=str(r["name"]),
        name_raw=optional_str(r["nameRaw"]),
        item=str(r["item"]),
        number=optional_int(r["number"]),
        number_label=optional_str(r["numberLabel"]),
        part=optional_int(r["part"]),
        starred=bool(r["starred"]),
        section=optional_str(r["section"]),
        section_label=optional_str(r["sectionLabel"]),
        lead_raw=optional_str(r["leadRaw"]),
        responsible_raw=optional_str(r["respRaw"]),
        scope_raw=optional_str(r["scopeRaw"]),
        deadline=optional_str(r["deadline"]),
        deadline_text=optional_str(r["deadlineText"]),
        practice=optional_str(r["practice"]),
        effect=optional_str(r["effect"]),
        source_file=str(r["file"]),
        line_start=as_int(r["start"]),
        line_end=as_int(r["end"]),
        places=_grouped(links.get("places")),
        lead_agencies=_printed_order(links.get("leads")),
        responsible_agencies=_printed_order(links.get("resps")),
        themes=_grouped(links.get("themes")),
    )

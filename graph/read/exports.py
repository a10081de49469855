"""Tabular exports read from the built store: one measure per table row, one agency per body.

They query the store rather than the parser's records so that a spreadsheet shows exactly
what SPARQL returns. Multi-valued fields are joined with "；" in printed order where the
graph keeps it (the *_raw fields) and in sorted order otherwise.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

import pyoxigraph as ox

from reformkg.graph.query.store import select

SEP = "；"

MEASURE_FIELDS = [
    "iri",
    "document",
    "document_title",
    "seq",
    "part",
    "starred",
    "name",
    "name_raw",
    "section",
    "places",
    "lead_agencies",
    "lead_agencies_raw",
    "responsible_agencies",
    "responsible_agencies_raw",
    "scope",
    "deadline",
    "deadline_date",
    "practices",
    "effect",
    "themes",
    "source_file",
    "source_lines",
]
AGENCY_FIELDS = ["iri", "name", "level", "aliases", "lead_count", "responsible_count"]

_MEASURES = """
PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?m ?doc ?docTitle ?number ?label ?part ?starred ?name ?nameRaw ?section
       ?leadRaw ?respRaw ?scopeRaw ?deadlineText ?deadline ?effect ?file ?l1 ?l2 ?order
       (GROUP_CONCAT(DISTINCT ?placeLabel; separator="；") AS ?places)
       (GROUP_CONCAT(DISTINCT ?leadName; separator="；") AS ?leads)
       (GROUP_CONCAT(DISTINCT ?respName; separator="；") AS ?resps)
       (GROUP_CONCAT(DISTINCT ?themeId; separator="；") AS ?themes)
WHERE {
  ?m a rk:Measure ; rk:inDocument ?d ; rdfs:label ?name ;
     rk:starred ?starred ; rk:sourceFile ?file ; rk:lineStart ?l1 ; rk:lineEnd ?l2 ;
     rk:partOfItem ?item .
  ?d dcterms:identifier ?doc ; dcterms:title ?docTitle ; rk:batchOrder ?order .
  OPTIONAL { ?m rk:nameRaw ?nameRaw }
  OPTIONAL { ?item rk:number ?number }
  OPTIONAL { ?item rk:numberLabel ?label }
  OPTIONAL { ?m rk:part ?part }
  OPTIONAL { ?m rk:inSection/rdfs:label ?section }
  OPTIONAL { ?m rk:sourcePlace/rdfs:label ?placeLabel FILTER(lang(?placeLabel) = "zh") }
  OPTIONAL { ?m rk:leadAgency/skos:prefLabel ?leadName }
  OPTIONAL { ?m rk:responsibleAgency/skos:prefLabel ?respName }
  OPTIONAL { ?m rk:leadAgencyRaw ?leadRaw }
  OPTIONAL { ?m rk:responsibleAgencyRaw ?respRaw }
  OPTIONAL { ?m rk:scopeRaw ?scopeRaw }
  OPTIONAL { ?m rk:deadlineText ?deadlineText }
  OPTIONAL { ?m rk:deadline ?deadline }
  OPTIONAL { ?m rk:effectText ?effect }
  OPTIONAL { ?m rk:hasTheme ?theme BIND(STRAFTER(STR(?theme), "/theme/") AS ?themeId) }
}
GROUP BY ?m ?doc ?docTitle ?number ?label ?part ?starred ?name ?nameRaw ?section ?leadRaw
         ?respRaw ?scopeRaw ?deadlineText ?deadline ?effect ?file ?l1 ?l2 ?order
ORDER BY ?order ?l1
"""

_POINTS = """
PREFIX rk: <https://w3id.org/reformkg/ontology#>
SELECT ?m ?pos ?text WHERE { ?m rk:hasPracticePoint ?p . ?p rk:position ?pos ; rk:text ?text }
"""

_AGENCIES = """
PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?a ?name ?level
       (GROUP_CONCAT(DISTINCT ?alias; separator="；") AS ?aliases)
       (COUNT(DISTINCT ?led) AS ?leadCount) (COUNT(DISTINCT ?resp) AS ?respCount)
WHERE {
  ?a a rk:Agency ; skos:prefLabel ?name ; rk:level ?lv .
  BIND(LCASE(REPLACE(STRAFTER(STR(?lv), "#"), "Level$", "")) AS ?level)
  OPTIONAL { ?a skos:altLabel ?alias }
  OPTIONAL { ?led rk:leadAgency ?a }
  OPTIONAL { ?resp rk:responsibleAgency ?a }
}
GROUP BY ?a ?name ?level
ORDER BY DESC(?leadCount) ?name
"""


def _sorted_join(value: object) -> str:
    return SEP.join(sorted(str(value).split(SEP))) if value else ""


def measure_rows(store: ox.Store) -> tuple[list[str], list[dict]]:
    points: dict[str, list[tuple[int, str]]] = {}
    for r in select(store, _POINTS):
        points.setdefault(r["m"], []).append((r["pos"], r["text"]))
    rows = []
    for r in select(store, _MEASURES):
        rows.append(
            {
                "iri": r["m"],
                "document": r["doc"],
                "document_title": r["docTitle"],
                "seq": r["number"] if r["number"] is not None else "",
                "part": r["part"] or "",
                "starred": bool(r["starred"]),
                "name": r["name"],
                "name_raw": r["nameRaw"] or "",
                "section": r["section"] or "",
                "places": _sorted_join(r["places"]),
                "lead_agencies": _sorted_join(r["leads"]),
                "lead_agencies_raw": r["leadRaw"] or "",
                "responsible_agencies": _sorted_join(r["resps"]),
                "responsible_agencies_raw": r["respRaw"] or "",
                "scope": r["scopeRaw"] or "",
                "deadline": r["deadlineText"] or "",
                "deadline_date": r["deadline"] or "",
                "practices": "\n".join(t for _, t in sorted(points.get(r["m"], []))),
                "effect": r["effect"] or "",
                "themes": _sorted_join(r["themes"]),
                "source_file": r["file"],
                "source_lines": f"{r['l1']}-{r['l2']}",
            }
        )
    return MEASURE_FIELDS, rows


def agency_rows(store: ox.Store) -> tuple[list[str], list[dict]]:
    rows = [
        {
            "iri": r["a"],
            "name": r["name"],
            "level": r["level"],
            "aliases": _sorted_join(r["aliases"]),
            "lead_count": r["leadCount"],
            "responsible_count": r["respCount"],
        }
        for r in select(store, _AGENCIES)
    ]
    return AGENCY_FIELDS, rows


def write_rows(fields: list[str], rows: Iterable[dict], fmt: str, *, bom: bool = False) -> str:
    """CSV (UTF-8, optional BOM so Excel opens Chinese text right) or JSON Lines."""
    if fmt == "jsonl":
        return "".join(
            json.dumps({f: r.get(f) for f in fields}, ensure_ascii=False) + "\n" for r in rows
        )
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "") + buf.getvalue()

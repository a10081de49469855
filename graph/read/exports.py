"""Tabular exports read from the built store: one measure per table row, one agency per body.

They query the store rather than the parser's records so that a spreadsheet shows exactly
what SPARQL returns. Multi-valued fields are joined with "；" in printed order where the
graph keeps it (the *_raw fields) and in sorted order otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from pyoxigraph import Literal

from reformkg.graph.query.store import PlainValue, SparqlStore, as_int, select
from reformkg.graph.read.measures import SEP, measure_fields
from reformkg.graph.read.terms import label
from reformkg.script import printed_only
from reformkg.spreadsheet import write_table
from reformkg.vocab import SPARQL_PREFIXES

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
    "line_start",
    "line_end",
]
AGENCY_FIELDS = ["iri", "name", "level", "aliases", "lead_count", "responsible_count"]

_POINTS = f"""
PREFIX rk: <https://w3id.org/reformkg/ontology#>
SELECT ?m ?pos ?text WHERE {{ ?m rk:hasPracticePoint ?p . ?p rk:position ?pos ; rk:text ?text .
  {printed_only("?text", "?p", "rk:text")} }}
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


def _sorted_join(value: PlainValue | None) -> str:
    return SEP.join(sorted(str(value).split(SEP))) if value else ""


def measure_rows(
    store: SparqlStore, themes: Mapping[str, str] | None = None
) -> tuple[list[str], list[dict[str, object]]]:
    """One row per measure (fields read by `reformkg.graph.read.measures`), in batch and printed
    order, with its practice points one per line; themes by id, or by the labels `themes`
    gives (theme id → label)."""
    points: dict[str, list[tuple[int, str]]] = {}
    for r in select(store, _POINTS):
        points.setdefault(str(r["m"]), []).append((as_int(r["pos"]), str(r["text"])))
    rows: list[dict[str, object]] = []
    for m in measure_fields(store):
        rows.append(
            {
                "iri": m.iri,
                "document": m.doc_id,
                "document_title": m.doc_title,
                "seq": m.number if m.number is not None else "",
                "part": m.part or "",
                "starred": m.starred,
                "name": m.name,
                "name_raw": m.name_raw or "",
                "section": m.section_label or "",
                "places": SEP.join(m.places),
                "lead_agencies": SEP.join(m.lead_agencies),
                "lead_agencies_raw": m.lead_raw or "",
                "responsible_agencies": SEP.join(m.responsible_agencies),
                "responsible_agencies_raw": m.responsible_raw or "",
                "scope": m.scope_raw or "",
                "deadline": m.deadline_text or "",
                "deadline_date": m.deadline or "",
                "practices": "\n".join(t for _, t in sorted(points.get(m.iri, []))),
                "effect": m.effect or "",
                "themes": SEP.join((themes or {}).get(t, t) for t in m.themes),
                "source_file": m.source_file,
                # two numbers, not "11-16", which a spreadsheet reads as a date
                "line_start": m.line_start,
                "line_end": m.line_end,
            }
        )
    return MEASURE_FIELDS, rows


def agency_rows(store: SparqlStore) -> tuple[list[str], list[dict[str, object]]]:
    rows: list[dict[str, object]] = [
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


def theme_labels(store: SparqlStore, lang: str) -> dict[str, str]:
    """Theme id → its skos:prefLabel in `lang` (zh or en), for exports that show labels."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?t ?lang (SAMPLE(?l) AS ?label) WHERE { ?t a skos:Concept ; skos:prefLabel ?l .
            FILTER(STRSTARTS(STR(?t), STR(th:)) && LANGMATCHES(LANG(?l), ?lang)) }
            GROUP BY ?t ?lang""",
        {"lang": Literal(lang)},
    )
    return {str(r["t"]).rsplit("/", 1)[-1]: str(r["label"]) for r in rows}


def write_rows(
    fields: list[str],
    rows: Iterable[Mapping[str, object]],
    fmt: str,
    *,
    bom: bool = False,
    labels: str | None = None,
    table: str = "measures",
    raw: bool = False,
) -> str:
    """CSV (UTF-8, optional BOM so Excel opens Chinese text right) or JSON Lines.

    A CSV's header row names the columns in `labels` (zh: 牵头单位 …, en: Lead agencies …;
    reformkg.graph.read.terms) or by their keys when None; JSON Lines keeps the keys. Cells a
    spreadsheet would run as formulas are neutralised unless `raw` (reformkg.spreadsheet)."""
    if fmt == "jsonl":
        return "".join(
            json.dumps({f: r.get(f) for f in fields}, ensure_ascii=False) + "\n" for r in rows
        )
    header = [label(f, labels, table) for f in fields] if labels else fields
    body = ([r.get(f) for f in fields] for r in rows)
    return write_table(header, body, bom=bom, raw=raw)

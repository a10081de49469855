"""Serve time: search results as an analyst reads them: each hit with its document (short
Chinese title and date), number, lead agencies and themes, narrowed by facets, sorted by
relevance or date.

The hits come from `reformkg.graph.read.search` (simplified and traditional alike); the
measures' facts from the workbench's measure rows, so a result says what the measure page
says. Facet counts are over the hits that pass the other facets (the usual faceted search).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from reformkg.graph.read.measure_table import MeasureRow
from reformkg.graph.read.options import Options
from reformkg.graph.read.search import Hit, SearchIndex, hit_json
from reformkg.graph.read.terms import KINDS

__all__ = ["FACETS", "Facet", "Result", "SearchPage", "search_page"]

#: The facets, in the order shown: URL parameter → (Chinese, English).
FACETS: dict[str, tuple[str, str]] = {
    "kind": ("类型", "Kind"),
    "doc": ("文件", "Document"),
    "theme": ("主题", "Theme"),
    "place": ("来源", "Place"),
}
MAX_HITS = 2000  # hits read before facets (the bundled data has a few hundred resources)


@dataclass(frozen=True)
class Result:
    hit: dict[str, object]  # reformkg.graph.read.search.hit_json
    row: MeasureRow | None  # the measure's facts when the hit is a measure
    doc_short: str
    doc_date: str  # ISO, for sorting
    doc_when: str  # as shown: the stated date, or the year of an inferred one, marked
    values: Mapping[str, tuple[str, ...]]  # facet → this result's values


@dataclass(frozen=True)
class Facet:
    name: str
    zh: str
    en: str
    counts: list[tuple[str, str, int]]  # (value, label, count), most first
    selected: str | None


@dataclass
class SearchPage:
    q: str
    results: list[Result]
    total: int  # hits after the facets, before the display limit
    facets: list[Facet] = field(default_factory=list)


def _result(hit: Hit, rows: Mapping[str, MeasureRow], opts: Options) -> Result:
    data = hit_json(hit)
    row = rows.get(hit.entry.iri)
    doc = opts.document(row.doc_iri if row else hit.entry.document)
    return Result(
        hit=data,
        row=row,
        doc_short=doc.short_title if doc else "",
        doc_date=(doc.issued or "") if doc else "",
        doc_when=_when(doc.issued, doc.date_status) if doc else "",
        values={
            "kind": (hit.entry.kind,),
            "doc": (doc.id,) if doc else (),
            "theme": tuple(t for t, _ in row.themes) if row else (),
            "place": row.places if row else (),
        },
    )


def search_page(
    index: SearchIndex,
    rows: Mapping[str, MeasureRow],
    opts: Options,
    q: str,
    chosen: Mapping[str, str | None],
    *,
    sort: str = "relevance",
    limit: int = 200,
    budget: float | None = None,
) -> SearchPage:
    """The hits for `q` narrowed by the `chosen` facets, sorted, with facet counts (QueryError
    for a query over the search's limits, QueryTimeout past `budget` seconds)."""
    hits = index.search(q, limit=MAX_HITS, budget=budget) if q.strip() else []
    results = [_result(h, rows, opts) for h in hits]
    wanted = {k: v for k, v in chosen.items() if v and k in FACETS}

    def passes(r: Result, skip: str | None = None) -> bool:
        return all(v in r.values.get(k, ()) for k, v in wanted.items() if k != skip)

    labels = {
        "kind": {k: f"{zh} {en}" for k, (zh, en) in KINDS.items()},
        "doc": {d.id: f"{d.short_title}（{d.year or '日期不详'}）" for d in opts.documents},
        "theme": {t.value: t.zh or t.value for t in opts.themes},
        "place": {},
    }
    facets = []
    for name, (zh, en) in FACETS.items():
        counts: Counter[str] = Counter()
        for r in results:
            if passes(r, skip=name):
                counts.update(set(r.values.get(name, ())))
        shown = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        facets.append(
            Facet(
                name,
                zh,
                en,
                [(v, labels[name].get(v, v), n) for v, n in shown],
                wanted.get(name),
            )
        )
    kept = [r for r in results if passes(r)]
    if sort == "date":
        kept.sort(key=lambda r: (r.doc_date == "", _negated(r.doc_date)))
    return SearchPage(q, kept[:limit], len(kept), facets)


def _negated(date: str) -> tuple[int, ...]:
    """A sort key putting later dates first (stable sort keeps relevance within a date)."""
    return tuple(-int(p) for p in date.split("-") if p.isdigit())


def _when(issued: str | None, status: str) -> str:
    """A document's date as a list shows it: an inferred date is only good for its year.

    >>> _when("2022-01-01", "inferred"), _when("2023-10-27", "stated"), _when(None, "unknown")
    ('2022（推定）', '2023-10-27', '')
    """
    if not issued:
        return ""
    if status == "stated":
        return issued
    if issued.startswith(("≥", "≤")) or " – " in issued:  # an interval: no year is known
        return f"{issued}（推定）"
    return f"{issued[:4]}（推定）"

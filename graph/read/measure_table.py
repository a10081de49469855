"""Serve time: measures as table rows for the workbench's pages (agency, search, deadlines).

One row per measure with what an analyst scans a list by: document (short Chinese title and
date), number, name, section, 牵头单位 / 责任单位, themes, 完成时限 and its status as of a date.
Read once from `reformkg.graph.read.measures` (the one owner of a measure's fields), the
deadlines and the form options, and kept by the app: the store does not change while it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from reformkg.graph.query.store import SparqlStore
from reformkg.graph.read.deadlines import Deadline, deadlines
from reformkg.graph.read.measures import measure_fields
from reformkg.graph.read.options import Options

__all__ = ["MeasureRow", "measure_table", "sort_number"]


@dataclass(frozen=True)
class MeasureRow:
    iri: str
    doc_iri: str
    doc_id: str
    doc_short: str
    doc_date: str  # ISO date or ""
    doc_date_status: str
    batch: int
    number: str  # as printed (7, 7-2 …)
    name: str
    section: str
    leads: tuple[tuple[str, str], ...]  # (name, IRI)
    responsibles: tuple[tuple[str, str], ...]
    places: tuple[str, ...]
    themes: tuple[tuple[str, str], ...]  # (theme id, Chinese label)
    deadline: Deadline

    def status(self, as_of: dt.date) -> str:
        return self.deadline.status(as_of)

    @property
    def number_key(self) -> tuple[int, ...]:
        return sort_number(self.number)


def sort_number(label: str) -> tuple[int, ...]:
    """A printed number as a sort key: 7 < 7-2 < 10.

    >>> sorted(["10", "7-2", "7"], key=sort_number)
    ['7', '7-2', '10']
    """
    return tuple(int(p) if p.isdigit() else 10**6 for p in label.replace("*", "").split("-"))


def measure_table(
    store: SparqlStore, opts: Options, iris: Iterable[str] | None = None
) -> dict[str, MeasureRow]:
    """Rows of every measure (or of `iris`), by IRI, in batch and printed order."""
    wanted = list(iris) if iris is not None else None
    fields = measure_fields(store, wanted)
    dl = deadlines(store, [m.iri for m in fields] if wanted is not None else None)
    agency_iri = {a.name: a.iri for a in opts.agencies}
    theme_zh = {t.value: t.zh or t.value for t in opts.themes}
    docs = {d.iri: d for d in opts.documents}
    out: dict[str, MeasureRow] = {}
    for m in fields:
        doc = docs.get(m.document)
        number = m.number_label or (
            f"{m.number}-{m.part}" if m.part and m.number is not None else str(m.number or "")
        )
        out[m.iri] = MeasureRow(
            iri=m.iri,
            doc_iri=m.document,
            doc_id=m.doc_id,
            doc_short=doc.short_title if doc else m.doc_title,
            doc_date=m.issued or "",
            doc_date_status=m.date_status or "unknown",
            batch=m.batch_order,
            number=number,
            name=m.name,
            section=m.section_label or "",
            leads=tuple((n, agency_iri.get(n, "")) for n in m.lead_agencies),
            responsibles=tuple((n, agency_iri.get(n, "")) for n in m.responsible_agencies),
            places=m.places,
            themes=tuple((t, theme_zh.get(t, t)) for t in m.themes),
            deadline=dl.get(m.iri) or Deadline(m.iri, m.deadline, m.deadline_text, None),
        )
    return out

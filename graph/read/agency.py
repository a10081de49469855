"""Serve time: an agency's page as an analyst reads it: who it is, what it carries, what is due.

Summary counts (牵头 / 责任 / total, by document, by deadline status as of a date) and one table
of its measures, each listed once with every role the agency has on it. Built from the
workbench's measure rows (`reformkg.graph.read.measure_table`), so the figures are the ones
the search, workload and deadline pages show.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from reformkg.graph.read.deadlines import STATUS_KEYS
from reformkg.graph.read.measure_table import MeasureRow
from reformkg.graph.read.options import Agency, DocumentInfo, Options

__all__ = ["AgencyMeasure", "AgencyPage", "DocumentCount", "agency_page"]


@dataclass(frozen=True)
class AgencyMeasure:
    row: MeasureRow
    roles: tuple[str, ...]  # "lead", "responsible" (both when the agency is named twice)
    status: str


@dataclass(frozen=True)
class DocumentCount:
    document: DocumentInfo
    led: int
    responsible: int
    total: int


@dataclass
class AgencyPage:
    agency: Agency
    as_of: dt.date
    measures: list[AgencyMeasure]
    led: int = 0
    responsible: int = 0
    by_document: list[DocumentCount] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.measures)


def agency_page(
    rows: dict[str, MeasureRow], opts: Options, agency: Agency, as_of: dt.date
) -> AgencyPage:
    """The agency's measures (batch, then printed order) with its counts."""
    mine: list[AgencyMeasure] = []
    for row in rows.values():
        roles = tuple(
            role
            for role, named in (("lead", row.leads), ("responsible", row.responsibles))
            if any(iri == agency.iri for _, iri in named)
        )
        if roles:
            mine.append(AgencyMeasure(row, roles, row.status(as_of)))
    mine.sort(key=lambda x: (x.row.batch, x.row.number_key, x.row.iri))
    page = AgencyPage(agency, as_of, mine)
    page.led = sum("lead" in x.roles for x in mine)
    page.responsible = sum("responsible" in x.roles for x in mine)
    statuses = Counter(x.status for x in mine)
    page.by_status = {k: statuses.get(k, 0) for k in STATUS_KEYS}
    for doc in opts.documents:
        of_doc = [x for x in mine if x.row.doc_iri == doc.iri]
        if of_doc:
            page.by_document.append(
                DocumentCount(
                    doc,
                    sum("lead" in x.roles for x in of_doc),
                    sum("responsible" in x.roles for x in of_doc),
                    len(of_doc),
                )
            )
    return page

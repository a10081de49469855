"""Serve time: each measure's deadline status (逾期 / 未到期 / 无时限 / 已落地) as of a date.

The lists print a 完成时限 (deadline) per measure: a month or year end (2022年6月底, read into
rk:deadline as the last day of that period) or the words 已落地，持续巩固提升 ("already in place,
keep consolidating"). They never record completion. So the status is computed when it is read,
for a date the analyst chooses (today by default), never stored:

- 已落地 landed: the printed text says 已落地;
- 逾期 overdue: the deadline date is before the chosen date (it has passed; nothing says
  whether the work was done);
- 未到期 not due: the deadline date is on or after the chosen date;
- 无时限 no deadline: no deadline printed.

A measure whose graph states an rk:implementationStatus (landed or no-deadline, the static
ones of the SKOS status scheme) takes it; the labels come from the scheme when the graph has it.

>>> import datetime as dt
>>> status_of("2022-06-30", "2022年6月底", dt.date(2022, 7, 1))
'overdue'
>>> status_of("2022-06-30", "2022年6月底", dt.date(2022, 6, 30))
'not-due'
>>> status_of(None, "已落地，持续巩固提升", dt.date(2022, 7, 1))
'landed'
>>> status_of(None, None, dt.date(2022, 7, 1))
'no-deadline'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from reformkg.graph.query.store import SparqlStore, optional_str, select
from reformkg.script import printed_only
from reformkg.vocab import SPARQL_PREFIXES, status_iri

__all__ = [
    "NOTE",
    "STATUS_KEYS",
    "Deadline",
    "StatusLabel",
    "deadlines",
    "parse_as_of",
    "status_labels",
    "status_of",
]

#: The statuses, in the order tables and counts show them.
STATUS_KEYS = ("overdue", "not-due", "landed", "no-deadline")

#: The honest note shown wherever a status is: the lists record no completion.
NOTE = (
    "清单未记录完成情况：“逾期”仅表示完成时限的日期已过，不表示未完成。",
    "The lists record no completion: 逾期 (overdue) only means that the deadline date has "
    "passed, not that the work is undone.",
)

_DEFAULT_LABELS = {
    "overdue": ("逾期", "overdue"),
    "not-due": ("未到期", "not due"),
    "landed": ("已落地", "landed"),
    "no-deadline": ("无时限", "no deadline"),
}
_LANDED_WORDING = "已落地"


@dataclass(frozen=True)
class StatusLabel:
    key: str
    iri: str
    zh: str
    en: str


@dataclass(frozen=True)
class Deadline:
    """A measure's printed deadline, its date (end of the stated period) and a stated status."""

    measure: str
    date: str | None  # ISO date
    text: str | None  # as printed
    stated: str | None  # a status key the graph states (rk:implementationStatus), if any

    def status(self, as_of: dt.date) -> str:
        return status_of(self.date, self.text, as_of, self.stated)

    @property
    def month(self) -> str | None:
        """``YYYY-MM`` of the deadline date (None without one)."""
        return self.date[:7] if self.date else None


def status_of(date: str | None, text: str | None, as_of: dt.date, stated: str | None = None) -> str:
    """The status key of one deadline as of `as_of` (see the module docstring)."""
    if stated in ("landed", "no-deadline"):
        return stated
    if text and _LANDED_WORDING in text:
        return "landed"
    if date:
        return "overdue" if dt.date.fromisoformat(date[:10]) < as_of else "not-due"
    return "no-deadline"


def parse_as_of(value: str | None, today: dt.date | None = None) -> dt.date:
    """The as-of date from a form or URL (YYYY-MM-DD); today when empty.

    ValueError naming the parameter when it is not a date (the pages show it as one line)."""
    if not value or not value.strip():
        return today or dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"asOf={value!r} is not a date (YYYY-MM-DD)") from None


_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?m (SAMPLE(?d) AS ?date) (SAMPLE(?t) AS ?text) (SAMPLE(?s) AS ?stated) WHERE {
  {values}
  ?m a rk:Measure .
  OPTIONAL { ?m rk:deadline ?d }
  OPTIONAL { ?m rk:deadlineText ?t """
    + printed_only("?t", "?m", "rk:deadlineText")
    + """ }
  OPTIONAL { ?m rk:implementationStatus ?s }
} GROUP BY ?m
"""
)


def deadlines(store: SparqlStore, iris: Iterable[str] | None = None) -> dict[str, Deadline]:
    """Every measure's deadline (or those of `iris`), by measure IRI."""
    values = ""
    if iris is not None:
        terms = " ".join(str(ox.NamedNode(i)) for i in iris)
        if not terms:
            return {}
        values = f"VALUES ?m {{ {terms} }}"
    keys = {str(status_iri(k)): k for k in STATUS_KEYS}
    out: dict[str, Deadline] = {}
    for r in select(store, _QUERY.replace("{values}", values)):
        stated = optional_str(r["stated"])
        out[str(r["m"])] = Deadline(
            str(r["m"]),
            optional_str(r["date"]),
            optional_str(r["text"]),
            keys.get(stated) if stated else None,
        )
    return out


def status_labels(store: SparqlStore) -> dict[str, StatusLabel]:
    """The statuses with their Chinese and English labels: the status scheme's skos:prefLabel
    where the graph has it, else the product's own words."""
    iris = {str(status_iri(k)): k for k in STATUS_KEYS}
    found: dict[str, dict[str, str]] = {}
    rows = select(
        store,
        SPARQL_PREFIXES
        + "SELECT ?s ?l WHERE { VALUES ?s { "
        + " ".join(f"<{i}>" for i in iris)
        + " } ?s skos:prefLabel ?l }",
    )
    for r in rows:
        literal = r["l"]
        key = iris[str(r["s"])]
        text = str(literal)
        # plain values carry no language: Chinese labels hold CJK characters
        lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
        found.setdefault(key, {}).setdefault(lang, text)
    out = {}
    for key in STATUS_KEYS:
        zh, en = _DEFAULT_LABELS[key]
        got = found.get(key, {})
        out[key] = StatusLabel(key, str(status_iri(key)), got.get("zh", zh), got.get("en", en))
    return out


@dataclass
class GridCell:
    """The measures of one agency due in one month, by status."""

    measures: list[str]
    overdue: int = 0
    not_due: int = 0


@dataclass
class GridRow:
    agency: str  # IRI
    name: str
    cells: dict[str, GridCell]  # month → cell
    landed: list[str]
    total: int


def deadline_grid(
    roles: Iterable[tuple[str, str, str]],
    names: dict[str, str],
    dated: dict[str, Deadline],
    as_of: dt.date,
) -> tuple[list[str], list[GridRow]]:
    """Agencies × deadline months: the months (sorted) and one row per agency (most measures
    first) from (measure, agency, role) entries; landed measures counted apart.

    >>> d = {"m1": Deadline("m1", "2022-06-30", "2022年6月底", None),
    ...      "m2": Deadline("m2", None, "已落地，持续巩固提升", None)}
    >>> months, rows = deadline_grid([("m1", "a", "lead"), ("m2", "a", "lead")], {"a": "局"},
    ...                              d, dt.date(2022, 7, 1))
    >>> months, rows[0].cells["2022-06"].overdue, rows[0].landed, rows[0].total
    (['2022-06'], 1, ['m2'], 2)
    """
    by_agency: dict[str, set[str]] = {}
    for m, a, _ in roles:
        by_agency.setdefault(a, set()).add(m)
    months: set[str] = set()
    out = []
    for agency, measures in by_agency.items():
        cells: dict[str, GridCell] = {}
        landed = []
        counted = 0
        for m in sorted(measures):
            deadline = dated.get(m)
            if deadline is None:
                continue
            status = deadline.status(as_of)
            if status == "landed":
                landed.append(m)
                counted += 1
            elif deadline.month:
                cell = cells.setdefault(deadline.month, GridCell([]))
                cell.measures.append(m)
                if status == "overdue":
                    cell.overdue += 1
                else:
                    cell.not_due += 1
                months.add(deadline.month)
                counted += 1
        if counted:
            out.append(GridRow(agency, names.get(agency, agency), cells, landed, counted))
    out.sort(key=lambda r: (-r.total, r.name))
    return sorted(months), out

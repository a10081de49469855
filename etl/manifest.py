"""Read and check data/manifest.toml: the one place a document is described.

Errors name the manifest file and the line of the offending entry, so an analyst who
adds a document sees at once what to fix. A document's `file` must lie inside the data
folder's raw/ (after `..` and symbolic links are followed): the build reads it and copies it
into build/sources/, which the server quotes, so a manifest must not reach any other file.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reformkg.errors import InputError
from reformkg.etl.records import DocumentMeta

REQUIRED = ("id", "file", "title", "kind", "batch_order", "jurisdiction")
KINDS = {
    "ccr-measures",
    "business-environment-list",
    "ftz-replication-list",
    "notice-with-measures",
}
DATE_STATUSES = {"stated", "inferred", "unknown"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_OR_MONTH = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Entry:
    meta: DocumentMeta
    path: Path
    line: int  # line of the entry's [[document]] header in the manifest


def _entry_lines(text: str) -> list[int]:
    return [
        i for i, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[document]]"
    ]


def load_manifest(path: Path, places: set[str], skipped: list[str] | None = None) -> list[Entry]:
    """All entries, checked; raises InputError naming the manifest line of the first bad entry.

    Given `skipped` (a build with --skip-bad), a bad entry is left out and its error appended
    there instead; a manifest that cannot be read at all still raises.
    """
    name = str(path)
    if not path.exists():
        raise InputError(name, None, "manifest not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(name, getattr(err, "lineno", None), f"not valid TOML: {err}") from None
    docs = data.get("document")
    if not isinstance(docs, list) or not docs:
        raise InputError(name, None, "no [[document]] entries")
    lines = _entry_lines(text)
    entries: list[Entry] = []
    seen_ids: set[str] = set()
    seen_orders: set[int] = set()
    for i, doc in enumerate(docs):
        try:
            entries.append(_entry(path, places, lines, i, doc, seen_ids, seen_orders))
        except InputError as err:
            if skipped is None:
                raise
            skipped.append(str(err))
    return sorted(entries, key=lambda e: e.meta.batch_order)


def _is_date(text: str) -> bool:
    """YYYY-MM-DD and a real calendar day (2023-02-30 is not)."""
    if not _DATE.match(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _entry(
    path: Path,
    places: set[str],
    lines: list[int],
    i: int,
    doc: dict[str, Any],  # a parsed TOML table: its values are checked below
    seen_ids: set[str],
    seen_orders: set[int],
) -> Entry:
    """One [[document]] entry, checked (InputError naming its manifest line when bad)."""
    name = str(path)
    line = lines[i] if i < len(lines) else None
    where = f"entry {i + 1}" + (f" ({doc.get('id')})" if isinstance(doc.get("id"), str) else "")

    def bad(message: str, line: int | None = line, where: str = where) -> InputError:
        return InputError(name, line, f"{where}: {message}")

    missing = [f for f in REQUIRED if f not in doc]
    if missing:
        raise bad(f"missing field(s): {', '.join(missing)}")
    for f in ("id", "file", "title", "kind", "jurisdiction"):
        if not isinstance(doc[f], str) or not doc[f].strip():
            raise bad(f"field {f!r} must be a non-empty string")
    if not _ID.match(doc["id"]):
        raise bad(f"id {doc['id']!r} must be lowercase letters, digits and '-'")
    if doc["id"] in seen_ids:
        raise bad(f"duplicate id {doc['id']!r}")
    if doc["kind"] not in KINDS:
        raise bad(f"kind {doc['kind']!r} is not one of {sorted(KINDS)}")
    if not isinstance(doc["batch_order"], int) or isinstance(doc["batch_order"], bool):
        raise bad("batch_order must be an integer")
    if doc["batch_order"] in seen_orders:
        raise bad(f"batch_order {doc['batch_order']} is used twice")
    if doc["jurisdiction"] not in places:
        raise bad(f"jurisdiction {doc['jurisdiction']!r} is not a place id of data/places.csv")
    date = doc.get("date")
    bounds = {f: doc.get(f) for f in ("date_not_before", "date_not_after")}
    for f, bound in bounds.items():
        if bound is not None and (not isinstance(bound, str) or not _is_date(bound)):
            raise bad(f"{f} {bound!r} must be an ISO date YYYY-MM-DD")
    short_title = doc.get("short_title", "")
    if not isinstance(short_title, str):
        raise bad("short_title must be a string")
    inferred = date is not None or any(bounds.values())
    status = doc.get("date_status", "inferred" if inferred else "unknown")
    if status not in DATE_STATUSES:
        raise bad(f"date_status {status!r} is not one of {sorted(DATE_STATUSES)}")
    if date is not None and not isinstance(date, str):
        raise bad(f"date {date!r} must be a string")
    if status == "inferred":
        if not doc.get("date_evidence"):
            raise bad("an inferred date needs date_evidence")
        # never an invented day: a year or a month, and/or the interval the evidence allows
        if date is not None and not _YEAR_OR_MONTH.match(date):
            raise bad(
                f"date {date!r}: an inferred date is a year (YYYY) or a month (YYYY-MM), never "
                "a day; give the interval the evidence allows with date_not_before/date_not_after"
            )
        if date is None and not any(bounds.values()):
            raise bad("an inferred date needs date (YYYY or YYYY-MM) or date_not_before/after")
    elif date is not None and not _is_date(date):
        raise bad(f"date {date!r} must be an ISO date YYYY-MM-DD")
    low, high = bounds["date_not_before"], bounds["date_not_after"]
    if low and high and low > high:
        raise bad(f"date_not_before {low} is after date_not_after {high}")
    raw = (path.parent / "raw").resolve()
    file = (raw / doc["file"]).resolve()  # an absolute `file` or one with ../ lands elsewhere
    if not file.is_relative_to(raw):
        raise bad(
            f"file {doc['file']!r} is outside raw/ ({raw}): a document must be a file of "
            "the data folder's raw/"
        )
    if not file.exists():
        raise bad(f"file raw/{doc['file']} does not exist")
    seen_ids.add(doc["id"])
    seen_orders.add(doc["batch_order"])
    meta = DocumentMeta(
        doc_id=doc["id"],
        file=doc["file"],
        title=doc["title"],
        short_title=short_title.strip(),
        kind=doc["kind"],
        batch_order=doc["batch_order"],
        jurisdiction=doc["jurisdiction"],
        date=date,
        date_status=status,
        date_evidence=doc.get("date_evidence", ""),
        date_not_before=bounds["date_not_before"],
        date_not_after=bounds["date_not_after"],
    )
    return Entry(meta, file, line or 0)

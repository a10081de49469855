"""Ground: the curator review file, data/link-reviews.csv: its columns, reading it, appending to it.

Read by the build (which honours it: etl/curation.py) and appended to by `reformkg links review`
and by the web app's review mode, so its format is named once, here, for all three.

    source,target,decision,relation,reviewer,date,note
    qhsk-ftz-b6:2,sz-bizenv-2022-b1:153,reject,,王分析,2026-11-30,一照通 is not 一照通行

`source`/`target` are `doc_id:number` (`doc_id:number-part` for a task row), in either order;
`decision` is confirm, reject or add; `relation` (same, evolution, related) is required for add
and, for confirm, corrects the linker's relation. The file is a log: a later row about the same
pair overrides an earlier one. A malformed row stops the build with one line naming the file
and the line, as any bad input does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from reformkg.atomic import write_atomically
from reformkg.errors import InputError
from reformkg.spreadsheet import FORMULA_STARTS, neutralise

__all__ = [
    "DECISIONS",
    "FIELDS",
    "FILE_NAME",
    "RELATIONS",
    "Review",
    "append_review",
    "parse_ref",
    "read_reviews",
]

FILE_NAME = "link-reviews.csv"
FIELDS = ("source", "target", "decision", "relation", "reviewer", "date", "note")
DECISIONS = ("confirm", "reject", "add")
RELATIONS = ("same", "evolution", "related")
_REF = re.compile(r"^([a-z0-9][a-z0-9-]*):([A-Za-z0-9]+)(?:-(\d+))?$")
_LOCK = threading.Lock()

MeasureKey = tuple[str, str, int | None]


@dataclass(frozen=True)
class Review:
    """One row of the review file (`line`: where it is, for messages)."""

    source: str
    target: str
    decision: str
    relation: str
    reviewer: str
    date: str
    note: str
    line: int = 0

    @property
    def pair(self) -> frozenset[MeasureKey]:
        return frozenset((parse_ref(self.source), parse_ref(self.target)))


def parse_ref(ref: str) -> MeasureKey:
    """`doc:number[-part]` → (doc, number, part); ValueError for anything else."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"{ref!r} is not doc_id:number or doc_id:number-part")
    return (m[1], m[2], int(m[3]) if m[3] else None)


def _unquote(cell: str) -> str:
    """A cell as typed: the apostrophe `neutralise` put before a formula-like text removed."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def check(review: Review) -> str | None:
    """What is wrong with a review, in one phrase, or None."""
    for ref in (review.source, review.target):
        try:
            parse_ref(ref)
        except ValueError as err:
            return str(err)
    if parse_ref(review.source) == parse_ref(review.target):
        return "source and target are the same measure"
    if review.decision not in DECISIONS:
        return f"decision {review.decision!r} is not one of {', '.join(DECISIONS)}"
    if review.relation and review.relation not in RELATIONS:
        return f"relation {review.relation!r} is not one of {', '.join(RELATIONS)}"
    if review.decision == "add" and not review.relation:
        return "an added link needs its relation (same, evolution or related)"
    if not review.reviewer.strip():
        return "the reviewer is missing"
    try:
        dt.date.fromisoformat(review.date)
    except ValueError:
        return f"date {review.date!r} is not YYYY-MM-DD"
    return None


def read_reviews(path: Path) -> list[Review]:
    """Every review of the file, in file order; no file is no review. InputError (file, line)
    for a wrong header or a malformed row: a review is never silently dropped."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    if tuple(c.strip() for c in rows[0]) != FIELDS:
        raise InputError(str(path), 1, f"the header must be {','.join(FIELDS)}")
    out: list[Review] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(FIELDS):
            raise InputError(str(path), number, f"{len(row)} cells, expected {len(FIELDS)}")
        cells = [_unquote(c.strip()) for c in row]
        source, target, decision, relation, reviewer, date, note = cells
        review = Review(source, target, decision, relation, reviewer, date, note, line=number)
        problem = check(review)
        if problem:
            raise InputError(str(path), number, problem)
        out.append(review)
    return out


def _cell(value: str) -> str:
    """One line per review, whatever was typed, safe to open in a spreadsheet."""
    return neutralise(" ".join(value.split()))


def append_review(path: Path, review: Review) -> None:
    """Add one review at the end of the file (creating it with its header), atomically: the new
    file is written beside the old one and renamed over it, so a reader never sees half a row."""
    problem = check(review)
    if problem:
        raise ValueError(problem)
    with _LOCK:
        old = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        if not old.strip():
            old = ""
            writer.writerow(FIELDS)
        elif not old.endswith("\n"):
            old += "\n"
        writer.writerow(
            [
                review.source,
                review.target,
                review.decision,
                review.relation,
                _cell(review.reviewer),
                review.date,
                _cell(review.note),
            ]
        )
        write_atomically(path, (old + buf.getvalue()).encode("utf-8"))

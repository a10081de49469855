"""Ground: tables written as CSV or TSV that are safe to open in a spreadsheet.

Why: a spreadsheet reads a cell that begins with `=`, `+`, `-` or `@` as a formula, and a
leading tab or carriage return can hide one; the texts of this graph come from documents nobody
here controls, so a measure named `=HYPERLINK("http://…","点击")` would run on an analyst's
machine the moment the export is opened (OWASP: CSV injection). Every CSV or TSV of plain
values is written here, and a text cell that begins with one of those characters gets a
leading apostrophe, OWASP's remedy: spreadsheets show the text and do not evaluate it. A plain
number (`-3`, `+1.5e3`) is left alone: it is read as that number, never as a formula.

`raw=True` (the `--raw` options and `raw=true` parameters) writes values exactly as they are,
for programs that read the file rather than people who open it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "neutralise", "write_table"]

#: The first characters that make a spreadsheet cell a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number, ASCII digits only (as web/static/query.js tests it).
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def neutralise(text: str) -> str:
    """`text`, with a leading apostrophe when a spreadsheet would take it for a formula."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    bom: bool = False,
    raw: bool = False,
    lineterminator: str = "\r\n",
) -> str:
    """A header and rows as CSV (RFC 4180 quoting), or TSV with `delimiter="\\t"`.

    None is an empty cell; every other value is its str(). Cells are neutralised (see the module docstring) unless `raw`. `bom` starts the text with a
    UTF-8 byte-order mark, which Excel needs to read Chinese text as UTF-8.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    clean = (lambda t: t) if raw else neutralise
    writer.writerow([clean(str(c)) for c in columns])
    writer.writerows([clean("" if v is None else str(v)) for v in row] for row in rows)
    return ("\ufeff" if bom else "") + buf.getvalue()

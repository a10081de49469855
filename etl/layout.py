"""Find a document's table and cut it into elements: header, section headings, rows, layout lines.

Two families of layout exist in the extracted documents, and both are detected from
the text, never configured per file:

- row per line: cells separated by tabs, by `|` (Markdown tables) or by commas (CSV);
- field per line: one cell per line (a line starting with a tab opens a cell, a line
  without one continues it), rows separated by blank lines.

The header row is recognised by its column names (data/columns.toml), compared in simplified
characters (reformkg.script), so a header printed 序號 / 試點任務 is the header 序号 / 试点任务
and the table needs no traditional synonyms. Everything the reader does not place in a row is
returned as an element of its own kind, so the parser can account for every line.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reformkg.etl.text import clean, section_heading
from reformkg.script import to_simplified

FIELDS = (
    "number",
    "name",
    "practice",
    "lead",
    "responsible",
    "deadline",
    "effect",
    "source",
    "scope",
)
_SEPARATOR = re.compile(r"^[\s\-—=:|+]*$")
_NUMBER = re.compile(r"^\d+\s*[*＊]?$")


@dataclass
class Header:
    fields: list[
        str | None
    ]  # canonical field per column (None: a column the product does not know)
    cells: list[str]
    line_start: int
    line_end: int


@dataclass
class Row:
    cells: list[str]
    line_start: int
    line_end: int
    flags: list[str] = field(default_factory=list)


@dataclass
class Heading:
    title: str
    title_raw: str
    count: int | None
    line: int


@dataclass
class Loose:
    """A line outside the table's rows: preamble, notes, layout debris; the parser decides."""

    line: int
    text: str
    kind: str  # preamble | blank | separator | repeated-header | trailing | stray


@dataclass
class Table:
    layout: str  # tsv | markdown | csv | field-per-line
    header: Header
    elements: list[Row | Heading | Loose]
    preamble: list[Loose]


@lru_cache
def column_names(path: Path) -> dict[str, str]:
    """Map every known header name (white space removed, simplified) to its canonical field."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return {_key(name): fld for fld, names in table.items() for name in names}


def _key(cell: str) -> str:
    """A header cell as header names are compared: cleaned, no white space, simplified."""
    return to_simplified(re.sub(r"\s+", "", clean(cell)))


def _header_fields(cells: list[str], names: dict[str, str]) -> list[str | None] | None:
    keys = [_key(c) for c in cells]
    fields = [names.get(k) for k in keys]
    known = [f for f in fields if f]
    unknown_filled = [k for k, f in zip(keys, fields, strict=True) if k and not f]
    if (
        len(known) >= 3
        and ("number" in known or "name" in known)
        and not unknown_filled
        and len(set(known)) == len(known)
    ):
        return fields
    return None


def _split(line: str, layout: str) -> list[str]:
    if layout == "tsv":
        return line.split("\t")
    if layout == "markdown":
        body = line.strip()
        body = body[1:] if body.startswith("|") else body
        body = body[:-1] if body.endswith("|") else body
        return [c.strip() for c in body.split("|")]
    return next(csv.reader([line]))


def _trim(cells: list[str], width: int) -> list[str]:
    """Drop empty trailing cells beyond the header's width (tab padding)."""
    while len(cells) > width and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _row_layouts(line: str) -> list[str]:
    if line.lstrip().startswith("|"):
        return ["markdown"]
    out = ["tsv"] if "\t" in line else []
    return out + (["csv"] if "," in line else [])


def _is_blank_separator(text: str) -> bool:
    """In field-per-line layouts a lone tab is an empty cell; only a truly empty line ends a row."""
    return not text.strip() and not text.startswith("\t")


def _field_blocks(lines: list[str], start: int) -> list[tuple[list[str], int, int]]:
    """Cells of consecutive non-blank lines from `start` (1-based numbers), as field-per-line blocks."""
    blocks: list[tuple[list[str], int, int]] = []
    cells: list[str] = []
    first = start  # the current block's first line, set when its first cell is read
    for number in range(start, len(lines) + 1):
        text = lines[number - 1]
        if _is_blank_separator(text):
            if cells:
                blocks.append((cells, first, number - 1))
                cells = []
            continue
        if not cells:
            first = number
        if text.startswith("\t") or not cells:
            cells.append(text[1:] if text.startswith("\t") else text)
        else:
            cells[-1] += text  # a cell split over lines continues without a tab
    if cells:
        blocks.append((cells, first, len(lines)))
    return blocks


def find_header(lines: list[str], names: dict[str, str]) -> tuple[str, Header] | None:
    """The first header row, in whichever layout it is printed."""
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        for layout in _row_layouts(line):
            cells = _split(line, layout)
            fields = _header_fields(_trim(cells, 0), names)
            if fields:
                return layout, Header(fields, cells, i, i)
        if line.startswith("\t") and not line.strip("\t").count("\t"):
            cells, end = [], i
            for number in range(i, len(lines) + 1):
                text = lines[number - 1]
                if _is_blank_separator(text):
                    break
                if text.startswith("\t") or not cells:
                    cells.append(text.strip("\t"))
                else:
                    cells[-1] += text.strip()
                end = number
            fields = _header_fields(cells, names)
            if fields:
                return "field-per-line", Header(fields, cells, i, end)
    return None


def read_table(lines: list[str], names: dict[str, str]) -> Table | None:
    """Cut `lines` (the file's lines, without newlines) into a Table, or None when no header is found."""
    found = find_header(lines, names)
    if not found:
        return None
    layout, header = found
    preamble = [
        Loose(n, lines[n - 1], "preamble" if lines[n - 1].strip() else "blank")
        for n in range(1, header.line_start)
    ]
    if layout == "field-per-line":
        elements = _read_blocks(lines, header)
    else:
        elements = _read_line_rows(lines, header, layout)
    return Table(layout, header, elements, preamble)


def _is_header(cells: list[str], header: Header) -> bool:
    """The row repeats the header (a table printed over pages). Called for every row: the
    header's keys are computed once, and a row's cells only until one differs."""
    want = _filled_keys(tuple(header.cells))
    filled = [c for c in cells if c.strip()]
    return len(filled) == len(want) and all(_key(c) == k for c, k in zip(filled, want, strict=True))


@lru_cache(maxsize=64)
def _filled_keys(cells: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_key(c) for c in cells if c.strip())


def _heading_of(cells: list[str]) -> tuple[str, int | None] | None:
    filled = [c for c in cells if c.strip()]
    return section_heading(filled[0]) if len(filled) == 1 else None


def _read_line_rows(lines: list[str], header: Header, layout: str) -> list[Row | Heading | Loose]:
    width = len(header.fields)
    out: list[Row | Heading | Loose] = []
    for number in range(header.line_end + 1, len(lines) + 1):
        text = lines[number - 1]
        if not text.strip():
            out.append(Loose(number, text, "blank"))
            continue
        cells = _trim(_split(text, layout), width) if _row_layouts(text) else [text]
        if not any(clean(c) for c in cells):
            out.append(Loose(number, text, "blank"))  # a row of empty cells prints nothing
            continue
        heading = _heading_of(cells)
        previous = next((e for e in reversed(out) if not isinstance(e, Loose)), None)
        if _SEPARATOR.match(text) and "-" in text:
            out.append(Loose(number, text, "separator"))
        elif _is_header(cells, header):
            out.append(Loose(number, text, "repeated-header"))
        elif heading:
            out.append(Heading(heading[0], text, heading[1], number))
        elif len(cells) == 1 and not isinstance(previous, Row):
            out.append(Loose(number, text, "stray"))
        elif (
            isinstance(previous, Row)
            and len(previous.cells) < width
            and previous.line_end == number - 1
        ):
            # a row broken over two lines: its last cell continues in this line's first cell
            previous.cells[-1] += cells[0]
            previous.cells.extend(cells[1:])
            previous.line_end = number
            previous.flags.append("split-row")
        elif len(cells) == 1:
            out.append(Loose(number, text, "stray"))
        else:
            out.append(Row(cells, number, number))
    return out


def _read_blocks(lines: list[str], header: Header) -> list[Row | Heading | Loose]:
    out: list[Row | Heading | Loose] = []
    covered: set[int] = set()
    for cells, first, last in _field_blocks(lines, header.line_end + 1):
        covered.update(range(first, last + 1))
        heading = _heading_of(cells)
        block_text = "\n".join(lines[first - 1 : last])
        if not any(clean(cell) for cell in cells):
            out.append(Loose(first, block_text, "blank"))  # a block of empty cells
        elif _is_header(cells, header):
            out.append(Loose(first, block_text, "repeated-header"))
        elif heading and len(cells) == 1:
            out.append(Heading(heading[0], cells[0], heading[1], first))
        elif len(cells) == 1 and not lines[first - 1].startswith("\t"):
            out.append(Loose(first, block_text, "stray"))
        else:
            out.append(Row(cells, first, last))
    for number in range(header.line_end + 1, len(lines) + 1):
        if number not in covered:
            out.append(Loose(number, lines[number - 1], "blank"))
    out.sort(key=lambda e: e.line_start if isinstance(e, Row) else e.line)
    return out

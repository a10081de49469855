"""Parse one document's text into typed records: sections, reform items and their task rows.

The reader (etl/layout.py) cuts the table into rows; this module gives the rows their
meaning. It accounts for every line: a line ends up in a measure, in the document's
metadata, as layout (blank, header repeated, separator), or in the `unparsed` list with
a reason. Agencies and places are resolved later (etl/normalise.py); here they stay raw.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from reformkg.etl import metadata
from reformkg.etl.layout import Heading, Loose, Row, Table
from reformkg.etl.records import DocumentMeta, Measure, Section, Text, Unparsed, Warning_
from reformkg.etl.text import clean, practice_points, repeated_run
from reformkg.script import to_simplified

_NUMBER = re.compile(r"^(\d+)\s*([*＊]?)$")


@dataclass
class _Item:
    number: str
    label: str
    starred: bool
    name: str
    line: int
    rows: list[tuple[Row, dict[str, str], list[str]]] = field(default_factory=list)


class RowRecord(TypedDict):
    """One table row as read: cleaned and raw fields, item number, flags, lines."""

    doc_id: str
    number: str
    number_label: str
    part: int | None
    starred: bool
    name: Text
    section: int | None
    practice: Text
    practice_points: tuple[str, ...]
    effect: Text | None
    source_raw: str
    scope_raw: str
    lead_raw: str
    responsible_raw: str
    deadline_text: str
    line_start: int
    line_end: int
    flags: tuple[str, ...]
    duplicated: tuple[str, ...]


@dataclass
class RawParse:
    """What the parser made of one file, before agencies and places are resolved."""

    sections: list[Section]
    rows: list[RowRecord]  # one per table row
    unparsed: list[Unparsed]
    warnings: list[Warning_]
    layout_lines: dict[str, int]


def _cells_by_field(row: Row, fields: list[str | None]) -> dict[str, str]:
    cells = row.cells + [""] * (len(fields) - len(row.cells))
    out: dict[str, str] = {}
    for name, cell in zip(fields, cells, strict=False):
        if name:
            out[name] = cell
    return out


def parse_table(table: Table, meta: DocumentMeta, lines: list[str]) -> RawParse:
    """Give the table's rows their meaning: sections, items, continuation rows, conflicts."""
    file = meta.file
    sections: list[Section] = []
    items: dict[str, _Item] = {}
    order: list[_Item] = []
    unparsed: list[Unparsed] = []
    warnings: list[Warning_] = []
    layout_lines: dict[str, int] = {}
    current: _Item | None = None
    section_of_row: dict[int, int | None] = {}

    def count(kind: str, n: int = 1) -> None:
        layout_lines[kind] = layout_lines.get(kind, 0) + n

    count("header", table.header.line_end - table.header.line_start + 1)
    trailing = metadata.read_trailing(table.elements, lines, meta)
    for element in table.elements:
        if isinstance(element, Heading):
            sections.append(
                Section(
                    len(sections) + 1, element.title, element.title_raw, element.line, element.count
                )
            )
            count("section-heading")
        elif isinstance(element, Loose):
            if element.line in trailing:
                count("document-metadata")
            elif element.kind in {"blank", "separator", "repeated-header"}:
                count(element.kind, element.text.count("\n") + 1)
            else:
                unparsed.append(
                    Unparsed(
                        file,
                        element.line,
                        element.text,
                        "a line inside the table that is neither a row nor a heading",
                    )
                )
        else:
            cells = _cells_by_field(element, table.header.fields)
            flags = list(element.flags)
            number_cell = clean(cells.get("number", ""))
            name = clean(cells.get("name", ""))
            match = _NUMBER.match(number_cell)
            if match:
                number, star = match.group(1), bool(match.group(2))
                seen = items.get(number)
                if seen is None:
                    current = _Item(number, number_cell, star, name, element.line_start)
                    items[number] = current
                    order.append(current)
                else:
                    current = seen
                    if name and to_simplified(name) != to_simplified(seen.name):
                        flags.append("number-conflict")
                        warnings.append(
                            Warning_(
                                file,
                                element.line_start,
                                f"number {number_cell} printed again with another name: "
                                f"line {seen.line} 「{seen.name}」, line {element.line_start} 「{name}」; "
                                "both rows kept as task rows of item " + number,
                            )
                        )
                    else:
                        flags.append("number-reprinted")
            elif number_cell:
                unparsed.append(
                    Unparsed(
                        file,
                        element.line_start,
                        "\n".join(element.cells),
                        f"number cell {number_cell!r} is not a number",
                    )
                )
                continue
            elif current is None:
                number = f"u{element.line_start}"
                current = _Item(number, "", False, name, element.line_start)
                items[number] = current
                order.append(current)
                flags.append("no-number")
                warnings.append(
                    Warning_(
                        file,
                        element.line_start,
                        "row without a number and no item above it: kept as an item of its own",
                    )
                )
            else:
                flags.append("continuation")
            if not name:
                flags.append("name-inherited")
            current.rows.append((element, cells, flags))
            section_of_row[element.line_start] = sections[-1].index if sections else None

    rows: list[RowRecord] = []
    for item in order:
        many = len(item.rows) > 1
        for part, (row, cells, flags) in enumerate(item.rows, start=1):
            rows.append(
                _row_record(
                    meta,
                    item,
                    part if many else None,
                    row,
                    cells,
                    flags,
                    section_of_row[row.line_start],
                )
            )
            count("row", row.line_end - row.line_start + 1)
    rows.sort(key=lambda r: r["line_start"])
    sections, inferred = _infer_sections(sections, order, meta, rows)
    if not sections and meta.prose_sections:
        stated = sum(c for _, c, _ in meta.prose_sections)
        warnings.append(
            Warning_(
                file,
                meta.prose_sections[0][2],
                f"the text groups {stated} measures into {len(meta.prose_sections)} kinds, "
                f"the table has {len(order)} items: sections not inferred",
            )
        )
    if inferred:
        for r in rows:
            r["section"] = inferred[r["number"]]
    _check_declared_counts(sections, rows, meta, warnings)
    return RawParse(sections, rows, unparsed, warnings, layout_lines)


def _row_record(
    meta: DocumentMeta,
    item: _Item,
    part: int | None,
    row: Row,
    cells: dict[str, str],
    flags: list[str],
    section: int | None,
) -> RowRecord:
    raw_name = cells.get("name", "")
    name = clean(raw_name) or item.name
    practice_raw = cells.get("practice", "")
    effect_raw = cells.get("effect")
    dup = [
        run
        for run in (repeated_run(clean(practice_raw)), repeated_run(clean(effect_raw or "")))
        if run
    ]
    if dup:
        flags = flags + ["duplicated-text"]
    return {
        "doc_id": meta.doc_id,
        "number": item.number,
        "number_label": clean(cells.get("number", "")) or "",
        "part": part,
        "starred": item.starred,
        "name": Text(raw_name, name),  # raw "" when the row printed no name (inherited)
        "section": section,
        "practice": Text(practice_raw, clean(practice_raw)),
        "practice_points": practice_points(practice_raw),
        "effect": Text(effect_raw, clean(effect_raw)) if effect_raw is not None else None,
        "source_raw": cells.get("source", ""),
        "scope_raw": cells.get("scope", ""),
        "lead_raw": cells.get("lead", ""),
        "responsible_raw": cells.get("responsible", ""),
        "deadline_text": clean(cells.get("deadline", "")),
        "line_start": row.line_start,
        "line_end": row.line_end,
        "flags": tuple(dict.fromkeys(flags)),
        "duplicated": tuple(dup),
    }


def _infer_sections(
    sections: list[Section], items: list[_Item], meta: DocumentMeta, rows: list[RowRecord]
) -> tuple[list[Section], dict[str, int]]:
    """Sections stated only in prose (e.g. 4 + 6 + 6 + 6 measures of four kinds): assign in order."""
    if sections or not meta.prose_sections:
        return sections, {}
    counts = [c for _, c, _ in meta.prose_sections]
    if sum(counts) != len(items):
        return sections, {}
    inferred = [
        Section(i, title, title, line, c, inferred=True)
        for i, (title, c, line) in enumerate(meta.prose_sections, start=1)
    ]
    assignment: dict[str, int] = {}
    position = 0
    for section, declared in zip(inferred, counts, strict=True):
        for item in items[position : position + declared]:
            assignment[item.number] = section.index
        position += declared
    return inferred, assignment


def _check_declared_counts(
    sections: list[Section], rows: list[RowRecord], meta: DocumentMeta, warnings: list[Warning_]
) -> None:
    for section in sections:
        if section.declared_count is None:
            continue
        found = len({r["number"] for r in rows if r["section"] == section.index})
        if found != section.declared_count:
            warnings.append(
                Warning_(
                    meta.file,
                    section.line,
                    f"section 「{section.title}」 declares {section.declared_count} items, "
                    f"the table has {found}",
                )
            )


def to_measures(raw: RawParse, resolve: Callable[[RowRecord], Measure]) -> list[Measure]:
    """Records with agencies, places and scopes resolved by `resolve` (etl/normalise.py)."""
    return [resolve(r) for r in raw.rows]


__all__ = ["RawParse", "RowRecord", "parse_table", "to_measures", "Measure"]

"""Build time: the manifest's documents read and parsed into records, every line accounted for.

`parse_all` reads each document of the manifest (raw text → layout → rows → normalised
`Measure` records); a document that cannot be read raises an InputError naming the file and
line, or, with `skip_bad=True`, is left out and listed so the build can say it is partial.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reformkg.errors import InputError
from reformkg.etl import metadata
from reformkg.etl.layout import Heading, Loose, Row, Table, column_names, read_table
from reformkg.etl.manifest import Entry, load_manifest
from reformkg.etl.normalise import (
    Resolver,
    deadline,
    load_resolver,
    resolve_agency,
    resolve_places,
    resolve_scope,
    split_agencies,
)
from reformkg.etl.parse import RawParse, parse_table
from reformkg.etl.records import DocumentMeta, Measure, ParsedDocument, Unparsed, Warning_
from reformkg.settings import Settings


def read_lines(path: Path) -> list[str]:
    """The file's lines, or an InputError for an empty or non-UTF-8 file (naming the line)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            path.name,
            line,
            f"not UTF-8 (byte 0x{data[err.start]:02x} at offset "
            f"{err.start}); convert the file to UTF-8",
        ) from None
    if not text.strip():
        raise InputError(path.name, None, "the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_document(entry: Entry, resolver: Resolver, names: dict[str, str]) -> ParsedDocument:
    """Parse one document; raises InputError for a file the parser cannot account for."""
    meta = replace(entry.meta, issuers=[], metadata_lines={}, prose_sections=[])
    lines = read_lines(entry.path)
    table = read_table(lines, names)
    if table is None:
        raise InputError(
            meta.file,
            None,
            "unknown layout: no header row with known column names "
            "(序号, 名称 …; see data/columns.toml)",
        )
    meta.layout = table.layout
    jurisdiction = meta.jurisdiction

    def issuer(name: str) -> str:
        ref = resolve_agency(name, jurisdiction, resolver)
        return ref.canonical if ref else name

    problems = metadata.read_preamble(table.preamble, meta, issuer)
    raw = parse_table(table, meta, lines)
    width = len(table.header.fields)
    for element in table.elements:
        if not isinstance(element, Row):
            continue
        cells = element.cells
        if len(cells) < width:
            raise InputError(
                meta.file,
                element.line_start,
                f"truncated row: {len(cells)} of {width} cells "
                f"({', '.join(f or '?' for f in table.header.fields)})",
            )
        if len(cells) > width:
            raise InputError(
                meta.file, element.line_start, f"row has {len(cells)} cells, the header has {width}"
            )
    warnings = list(raw.warnings) + [
        Warning_(meta.file, table.header.line_start, p) for p in problems
    ]
    measures: list[Measure] = []
    for r in raw.rows:
        places, unknown = resolve_places(r["source_raw"], jurisdiction, resolver)
        due, precision = deadline(r["deadline_text"])
        for name in unknown:
            warnings.append(Warning_(meta.file, r["line_start"], f"unknown place 「{name}」"))
        measures.append(
            Measure(
                doc_id=meta.doc_id,
                number=r["number"],
                number_label=r["number_label"],
                part=r["part"],
                starred=r["starred"],
                name=r["name"],
                section=r["section"],
                practice=r["practice"],
                practice_points=r["practice_points"],
                effect=r["effect"],
                places=places,
                places_raw=r["source_raw"],
                scope=resolve_scope(r["scope_raw"], resolver),
                scope_raw=r["scope_raw"],
                lead=split_agencies(r["lead_raw"], jurisdiction, resolver),
                lead_raw=r["lead_raw"],
                responsible=split_agencies(r["responsible_raw"], jurisdiction, resolver),
                responsible_raw=r["responsible_raw"],
                deadline_text=r["deadline_text"],
                deadline_date=due,
                deadline_precision=precision,
                source_file=meta.file,
                line_start=r["line_start"],
                line_end=r["line_end"],
                flags=r["flags"],
                duplicated=r["duplicated"],
            )
        )
    unparsed = list(raw.unparsed) + _unaccounted(lines, table, meta, raw)
    return ParsedDocument(
        meta,
        raw.sections,
        measures,
        unparsed,
        warnings,
        layout_lines=raw.layout_lines,
        line_count=sum(1 for line in lines if line.strip()),
    )


def _unaccounted(
    lines: list[str], table: Table, meta: DocumentMeta, raw: RawParse
) -> list[Unparsed]:
    """Non-blank lines that no row, heading, layout line or metadata role claimed.

    By construction this should be empty; it is the net that makes "nothing is silently
    lost" a checked property rather than a hope.
    """
    covered: set[int] = set(range(table.header.line_start, table.header.line_end + 1))
    covered.update(meta.metadata_lines)
    covered.update(u.line for u in raw.unparsed)
    for r in raw.rows:
        covered.update(range(r["line_start"], r["line_end"] + 1))
    for e in table.elements:
        if isinstance(e, Heading):
            covered.add(e.line)
        elif isinstance(e, Loose) and e.kind in {"blank", "separator", "repeated-header"}:
            covered.update(range(e.line, e.line + e.text.count("\n") + 1))
    return [
        Unparsed(meta.file, n, lines[n - 1], "line not placed by the parser")
        for n in range(1, len(lines) + 1)
        if lines[n - 1].strip() and n not in covered
    ]


def _known_places(data_dir: Path) -> set[str]:
    import csv

    with (data_dir / "places.csv").open(encoding="utf-8", newline="") as fh:
        return {row["id"] for row in csv.DictReader(fh)}


def parse_all(
    settings: Settings, *, skip_bad: bool = False, skipped: list[str] | None = None
) -> list[ParsedDocument]:
    """Every document of the manifest, parsed and normalised, in batch order."""
    resolver = load_resolver(settings.data_dir)
    names = column_names(settings.data_dir / "columns.toml")
    docs: list[ParsedDocument] = []
    bad_entries: list[str] | None = [] if skip_bad else None
    entries = load_manifest(settings.manifest, _known_places(settings.data_dir), bad_entries)
    if skipped is not None and bad_entries:
        skipped.extend(bad_entries)
    for entry in entries:
        try:
            docs.append(parse_document(entry, resolver, names))
        except InputError as err:
            if not skip_bad:
                raise
            if skipped is not None:
                skipped.append(str(err))
    return docs

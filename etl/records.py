"""Typed records: what the parser produces and every later stage reads.

The parser knows nothing of RDF; these dataclasses are the whole contract
between raw text and the graph. Every record carries its source file and line
range so that any triple can be traced back to the printed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reformkg.script import to_simplified


@dataclass(frozen=True)
class Text:
    """A field as printed (`raw`), as cleaned (`clean`: HTML tags and PDF letter-spacing removed),
    and the cleaned text in simplified characters (`simplified`, derived: what themes, linking
    and every other match read, so a traditional printing matches its simplified one)."""

    raw: str
    clean: str
    simplified: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "simplified", to_simplified(self.clean))


@dataclass(frozen=True)
class AgencyRef:
    """One body named in a 牵头单位 / 责任单位 cell, resolved to its canonical name."""

    name_as_printed: str
    canonical: str  # in simplified characters, whatever the script it was printed in
    level: str  # national | provincial | city | district | collective
    note: str = ""  # a qualifier printed with it, in simplified characters, e.g. 按职责分工负责

    @property
    def alias(self) -> str:
        """The name as printed without the qualifier printed after it (an alias of the body)."""
        printed = self.name_as_printed
        if self.note and to_simplified(printed).endswith(self.note):
            return printed[: len(printed) - len(self.note)]
        return printed


@dataclass(frozen=True)
class Section:
    index: int  # 1-based order within the document
    title: str  # cleaned, as printed (simplified or traditional), e.g. 一、科技创新体制机制
    title_raw: str
    line: int  # 0 when inferred from prose
    declared_count: int | None = None  # the （8项） of a heading or the count stated in prose
    inferred: bool = False  # True when stated only in prose, not as a heading


@dataclass(frozen=True)
class Measure:
    """One table row: a measure, or one task row of a multi-row reform item."""

    doc_id: str
    number: str  # the item number as an ordinal string, e.g. "7"; "u<line>" when none printed
    number_label: str  # as printed, e.g. "7*"; "" when the row had no number
    part: int | None  # 1-based position among the item's task rows; None for a one-row item
    starred: bool
    name: Text
    section: int | None  # Section.index
    practice: Text
    practice_points: tuple[str, ...]
    effect: Text | None
    places: tuple[str, ...]  # place ids (data/places.csv) of the 来源 cell; () when none printed
    places_raw: str
    scope: tuple[str, ...]  # canonical scopes
    scope_raw: str
    lead: tuple[AgencyRef, ...]
    lead_raw: str
    responsible: tuple[AgencyRef, ...]
    responsible_raw: str
    deadline_text: str
    deadline_date: str | None  # ISO date, the last day of the stated period
    source_file: str
    line_start: int
    line_end: int
    flags: tuple[str, ...] = ()  # e.g. "duplicated-text", "name-inherited"
    deadline_precision: str | None = None  # day | month | year, how precise the printed deadline is
    duplicated: tuple[str, ...] = ()  # runs the extraction printed twice (kept in the text)


@dataclass(frozen=True)
class Unparsed:
    file: str
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Warning_:
    file: str
    line: int
    message: str


@dataclass
class DocumentMeta:
    """What the manifest says of a document, completed by what its prose states."""

    doc_id: str
    file: str
    title: str
    kind: str
    batch_order: int
    jurisdiction: str  # place id used to resolve short agency names (市… → 深圳市…)
    date: str | None = None  # YYYY-MM-DD when printed; an inferred date is YYYY or YYYY-MM
    date_status: str = "unknown"  # stated | inferred | unknown
    date_not_before: str | None = None  # ISO date: the interval an inferred date lies in
    date_not_after: str | None = None
    short_title: str = ""  # the short Chinese title lists and tables show (manifest)
    date_evidence: str = ""
    document_number: str = ""
    issuers: list[str] = field(default_factory=list)  # canonical agency names
    star_meaning: str = ""
    previous_batch_text: str = ""
    description: str = ""  # the notice's prose, cleaned, when the document has one
    prose_sections: list[tuple[str, int, int]] = field(default_factory=list)  # title, count, line
    metadata_lines: dict[int, str] = field(default_factory=dict)  # line -> role (title, date, …)
    layout: str = ""


@dataclass
class ParsedDocument:
    meta: DocumentMeta
    sections: list[Section]
    measures: list[Measure]
    unparsed: list[Unparsed]
    warnings: list[Warning_]
    layout_lines: dict[str, int] = field(default_factory=dict)  # layout kind -> lines counted
    line_count: int = 0  # the file's non-blank lines

"""Document metadata stated in the text: title, document number, date, issuers, footnotes, prose sections.

The manifest says what cannot be read (kind, batch order, jurisdiction); everything the
document itself prints is read here, so a typo in the manifest cannot contradict the text.
Every preamble and trailing line gets a role, which is how these lines are accounted for.
Lines are recognised in simplified characters (reformkg.script: 發改體改〔2023〕1號 is a document
number, 等4條 a prose section) and what is kept is cut from the printed text at the same place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from reformkg.etl.layout import Heading, Loose, Row
from reformkg.etl.records import DocumentMeta
from reformkg.etl.text import clean
from reformkg.script import to_simplified

_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_ATTACHMENT_REF = re.compile(r"^附件[:：]")
_PROSE_SECTION = re.compile(
    r"(?:^|[：；])(?P<examples>[^：；。]*?)等(?P<count>\d+)条(?P<title>[^；。]+?)(?=[；。]|$)"
)
_TOTAL = re.compile(r"共(\d+)条")
_PREVIOUS = re.compile(r"[^，。；]*(?:首批|第一批)[^，。；]*")
_FOOTNOTE = re.compile(r"^注[:：]")


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", clean(text))


def _simple(text: str) -> str:
    """The compact text in simplified characters: what lines are recognised by."""
    return to_simplified(_compact(text))


def read_preamble(
    preamble: list[Loose], meta: DocumentMeta, issuer_resolver: Callable[[str], str]
) -> list[str]:
    """Fill `meta` from the lines before the table; return problems found (as messages)."""
    problems: list[str] = []
    lines = [(p.line, p.text) for p in preamble if p.text.strip()]
    compact_all = "".join(_simple(t) for _, t in lines)
    if _simple(meta.title) not in compact_all:
        problems.append(f"the manifest title 「{meta.title}」 is not printed before the table")
    roles: dict[int, str] = {}
    date_line = next((n for n, t in lines if _DATE.match(_simple(t))), None)
    attach_line = next((n for n, t in lines if _ATTACHMENT_REF.match(_simple(t))), None)
    body: list[str] = []
    attachment_title = next(
        (_ATTACHMENT_REF.sub("", _simple(t)) for n, t in lines if n == attach_line), ""
    )
    title_compact = _simple(meta.title)
    for n, text in lines:
        c = _simple(text)
        if attach_line and date_line and attach_line < n < date_line and len(c) <= 20:
            meta.issuers.append(issuer_resolver(_compact(text)))
            roles[n] = "issuer"
        elif c and c in title_compact or c in {"附件"}:
            roles[n] = "title" if c != "附件" else "attachment-label"
        elif attachment_title and c == attachment_title:
            roles[n] = "attachment-title"
        elif _DOC_NUMBER.fullmatch(c) is not None:
            meta.document_number = _compact(text)  # as printed
            roles[n] = "document-number"
        elif (printed_date := _DATE.match(c)) is not None:
            y, mo, d = (int(g) for g in printed_date.groups())
            meta.date, meta.date_status = f"{y:04d}-{mo:02d}-{d:02d}", "stated"
            meta.date_evidence = f"printed on line {n}: {c}"
            roles[n] = "date"
        elif _ATTACHMENT_REF.match(c):
            roles[n] = "attachment-reference"
        elif c.endswith("：") and len(body) == 0:
            roles[n] = "addressees"
            body.append(clean(text))
        elif c in compact_all and len(c) <= 40 and not body and n < (attach_line or 10**9):
            roles[n] = "title"
        else:
            roles[n] = "body"
            body.append(clean(text))
    meta.description = "\n".join(body)
    meta.metadata_lines.update(roles)
    _read_prose(meta, lines, roles)
    return problems


def _read_prose(meta: DocumentMeta, lines: list[tuple[int, str]], roles: dict[int, str]) -> None:
    """Previous batch and sections stated only in a sentence (…等4条支持科技成果转化的创新举措；…)."""
    for n, text in lines:
        if roles.get(n) != "body":
            continue
        c = clean(text)  # as printed; matched in simplified characters, cut at the same place
        sc = to_simplified(c)
        if not meta.previous_batch_text and (m := _PREVIOUS.search(sc)):
            meta.previous_batch_text = c[m.start() : m.end()].strip()
        total = _TOTAL.search(sc)
        if total and not meta.prose_sections:
            rest = c[total.end() :]
            found = [
                (rest[m.start("title") : m.end("title")].strip(), int(m.group("count")), n)
                for m in _PROSE_SECTION.finditer(sc[total.end() :])
            ]
            if found and sum(count for _, count, _ in found) == int(total.group(1)):
                meta.prose_sections = found


def read_trailing(
    elements: Sequence[Row | Heading | Loose], lines: list[str], meta: DocumentMeta
) -> set[int]:
    """Footnotes after the table (注：序号标*的为…): metadata, not unparsed text."""
    consumed: set[int] = set()
    for element in elements:
        if isinstance(element, Loose) and element.kind == "stray":
            text = clean(element.text)
            if note := _FOOTNOTE.match(to_simplified(text)):
                if "*" in text or "＊" in text:
                    meta.star_meaning = text[note.end() :]
                meta.metadata_lines[element.line] = "footnote"
                consumed.add(element.line)
    return consumed

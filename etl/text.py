"""Cleaning of printed text: HTML fragments, PDF letter-spacing, extraction debris.

Only what extraction broke is cleaned; the characters themselves are kept exactly
(no simplified/traditional or full/half-width normalisation). Callers keep the raw
text alongside the cleaned one; what is recognised (a heading's item count) is recognised in
simplified characters (reformkg.script), so （8項） counts as （8项）.
"""

from __future__ import annotations

import html
import re

from reformkg.script import to_simplified

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TAG = re.compile(r"</?(?:p|b|strong|i|em|span|div|br|td|tr|th)\b[^>]*>", re.IGNORECASE)
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_CJK_GAP = re.compile(rf"(?<=[{CJK}])[ \u3000]+(?=[{CJK}])")
_POINT = re.compile(r"[（(]\s*(\d{1,2})\s*[)）]")
_HEADING = re.compile(r"^([一二三四五六七八九十百]+)\s*[、.．]\s*(.+)$")
_COUNT = re.compile(r"[（(](\d+)\s*[项条个][)）]\s*$")
_WS = re.compile(r"[ \t\u3000]+")


def strip_tags(text: str) -> str:
    """Remove the HTML tags extraction left (<p>, <b>, …) and decode entities."""
    return html.unescape(_TAG.sub(" ", _BOOKMARK.sub("", text)))


def join_letter_spacing(text: str) -> str:
    """Join CJK characters that PDF extraction spaced out: 二 三 产 业 → 二三产业."""
    return _CJK_GAP.sub("", text)


def clean(text: str) -> str:
    """The cleaned form of a printed field: no tags, no letter-spacing, single spaces, trimmed."""
    return _WS.sub(" ", join_letter_spacing(strip_tags(text))).strip()


def practice_points(raw: str) -> tuple[str, ...]:
    """Split a practice cell into its numbered points.

    Points are `<p>` paragraphs or `(1)`/`（1）` markers; a cell with neither is one point.
    The marker itself is dropped from the point text (its position is kept by order).
    """
    paragraphs = [clean(p) for p in re.split(r"</p>", raw, flags=re.IGNORECASE)]
    paragraphs = [p for p in paragraphs if p]
    if len(paragraphs) <= 1:
        text = clean(raw)
        marks = list(_POINT.finditer(text))
        if len(marks) < 2 or marks[0].start() != 0:
            return (text,) if text else ()
        bounds = [m.start() for m in marks] + [len(text)]
        paragraphs = [text[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]
    return tuple(_POINT.sub("", p, count=1).strip() if _POINT.match(p) else p for p in paragraphs)


def section_heading(cell: str) -> tuple[str, int | None] | None:
    """(title as printed, declared count) when `cell` is a section heading such as
    一、投资便利化（8项） or 一、投資便利化（8項）."""
    text = clean(cell)
    if not _HEADING.match(text) or len(text) > 60:
        return None
    count = _COUNT.search(to_simplified(text))
    return text, (int(count.group(1)) if count else None)


def repeated_run(text: str, width: int = 10) -> str | None:
    """A run of `width`+ characters printed twice back to back: text the extraction duplicated.

    Parallel phrasing that repeats words further apart (…整合为一个事项…；…整合为一个事项…) is
    normal prose and is not flagged; only a run followed at once by its own copy is. Linear in
    the text's length: only positions sharing a `width`-gram are compared.
    """
    grams = [text[i : i + width] for i in range(len(text) - width + 1)]
    if len(set(grams)) == len(grams):
        return None  # no `width`-gram twice (most texts): no run can be (a 100x build's seconds)
    return _scan(grams, text, width)


def _scan(grams: list[str], text: str, width: int) -> str | None:
    """repeated_run's search: the grams' positions, then each pair of consecutive ones."""
    positions: dict[str, list[int]] = {}
    for i, gram in enumerate(grams):
        positions.setdefault(gram, []).append(i)
    for found in positions.values():
        for a, b in zip(found, found[1:], strict=False):
            span = b - a
            if span >= width and text[a:b] == text[b : b + span]:
                return text[a:b]
    return None

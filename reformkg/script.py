"""Ground: simplified and traditional characters as one text, for every search, match and lookup.

Runs at build time (the parser, the resolver, themes and linking match on it) and at serve time
(the search index, the named full-text question, `reformkg trace`, an agency typed into a form),
so it lives in the ground room.

The same reform lists are printed in simplified characters, in traditional ones (Hong Kong and
Macao editions, reprints, OCR of older prints) and sometimes in a mix; analysts may type either.
Records keep the printed text; every comparison is made on its simplified form, so 市市場監管局
resolves where 市市场监管局 does, a header 序號 is the column 序号, and 破產 and 破产 are the same
word.

`to_simplified` is OpenCC's traditional-to-simplified conversion (t2s: its phrase dictionary
first, so 乾隆 stays and 乾燥 becomes 干燥) made to keep the length of the text: when a phrase
conversion changes the length, the text is converted character by character instead. A position
in the simplified form is therefore the same position in the printed text, so a match found on
the simplified form cuts the printed text at the same place.

Fast path (why: the parser converts every printed line and cell, and most texts contain nothing
to convert): a text without any character that OpenCC's t2s dictionaries change is returned as
it is. The trigger characters are read once from the dictionaries of the installed OpenCC: every
character that TSCharacters changes, and, for each phrase of TSPhrases that changes nothing but
characters TSCharacters leaves alone (反覆 → 反复), the characters where it differs. A text with
none of them cannot be changed by any entry, so the fast path gives the same output as OpenCC.

>>> to_simplified("知識產權證券化")
'知识产权证券化'
>>> normalise("ＡＢ開立")  # case-folded, same length as the input
'ａｂ开立'
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import opencc

__all__ = [
    "PRINTED_TAG",
    "SIMPLIFIED_TAG",
    "is_traditional",
    "normalise",
    "printed_only",
    "to_simplified",
]

#: In the graph, a text printed in traditional (or mixed) characters is tagged PRINTED_TAG and
#: its simplified form SIMPLIFIED_TAG is stored beside it on the same property (etl/to_rdf.py);
#: a text printed in simplified characters has one literal.
PRINTED_TAG = "zh-Hant"
SIMPLIFIED_TAG = "zh-Hans"

_converter = opencc.OpenCC("t2s")
_lock = threading.Lock()  # the converter keeps state while it converts


def _dictionary(name: str) -> dict[str, str]:
    """One OpenCC dictionary: key → its first (preferred) conversion."""
    path = Path(opencc.__file__).parent / "dictionary" / name
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if key:
            out[key] = values.split(" ")[0]
    return out


@lru_cache(maxsize=1)
def _triggers() -> frozenset[str]:
    """Characters without which t2s changes nothing (see the module docstring); a set, as a
    text is tested by `isdisjoint` (a regex class of these thousands of characters took ~60 µs
    a text: seconds of a 100× build)."""
    chars = {k for k, v in _dictionary("TSCharacters.txt").items() if v != k}
    for key, value in _dictionary("TSPhrases.txt").items():
        if key == value or any(c in chars for c in key):
            continue
        if len(key) == len(value):
            chars.update(a for a, b in zip(key, value, strict=True) if a != b)
        else:
            chars.update(key)
    return frozenset(chars)


def _convert(text: str) -> str:
    with _lock:
        out: str = _converter.convert(text)
    return out


@lru_cache(maxsize=8192)
def _char(ch: str) -> str:
    out = _convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=16384)
def to_simplified(text: str) -> str:
    """The text in simplified characters, one character for one (positions map one to one)."""
    if _triggers().isdisjoint(text):
        return text
    converted = _convert(text)
    if len(converted) != len(text):
        converted = "".join(_char(ch) for ch in text)
    return converted


def is_traditional(text: str) -> bool:
    """True when the text has characters whose simplified form differs (traditional or mixed)."""
    return to_simplified(text) != text


def normalise(text: str) -> str:
    """Simplified, case-folded text of the same length as `text` (what search compares)."""
    converted = to_simplified(text)
    folded = converted.casefold()
    return folded if len(folded) == len(text) else converted.lower()


def printed_only(var: str, subject: str, path: str) -> str:
    """A SPARQL FILTER keeping, of the values of `subject path var`, the text as printed.

    Where a text was printed in traditional characters the graph holds it twice (PRINTED_TAG
    and its simplified form); a page or a list shows one value, the printed one: the
    PRINTED_TAG value when there is one, else the only value. Put it where `var` is bound
    (inside the OPTIONAL that binds it). One index lookup per row.
    """
    other = f"?{var.lstrip('?')}Printed"
    return (
        f'FILTER(LANGMATCHES(LANG({var}), "{PRINTED_TAG}") || NOT EXISTS {{ {subject} {path} '
        f'{other} FILTER(LANGMATCHES(LANG({other}), "{PRINTED_TAG}")) }})'
    )

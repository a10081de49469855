"""Ground: simplified and traditional characters as one text, for every search, match and lookup.

The documents are printed in simplified characters; analysts (and reprints) may write
traditional ones. Whatever finds text by what a user typed (the search index, the named
full-text question, `reformkg trace`, an agency typed into a form) compares both sides in
simplified form, converted with OpenCC's t2s table, so 破產 and 破产 are the same word.

>>> to_simplified("知識產權證券化")
'知识产权证券化'
>>> normalise("ＡＢ開立")  # case-folded, same length as the input
'ａｂ开立'
"""

from __future__ import annotations

import threading
from functools import lru_cache

import opencc

__all__ = ["normalise", "to_simplified"]

_converter = opencc.OpenCC("t2s")
_converter_lock = threading.Lock()


@lru_cache(maxsize=4096)
def _t2s_char(ch: str) -> str:
    with _converter_lock:
        out: str = _converter.convert(ch)
    return out if len(out) == 1 else ch


def to_simplified(text: str) -> str:
    """The text in simplified characters, one character for one (positions map one to one).

    OpenCC converts phrases, which may change length; when it does, convert character by
    character instead so that a position in the converted text is a position in the original.
    """
    with _converter_lock:
        converted: str = _converter.convert(text)
    if len(converted) != len(text):
        converted = "".join(_t2s_char(ch) for ch in text)
    return converted


def normalise(text: str) -> str:
    """Simplified, case-folded text of the same length as `text` (what search compares)."""
    converted = to_simplified(text)
    folded = converted.casefold()
    return folded if len(folded) == len(text) else converted.lower()

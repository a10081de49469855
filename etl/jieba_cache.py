"""What linking keeps of jieba between builds: its prefix dictionary, and the words it cut.

Both are pure functions of jieba's version (its word list ships with it) and of the text, so
a build may reuse them; both are files that are quick to read, checked when read, and written
atomically (a temporary file renamed over the old one: no reader ever sees half of one).

- The dictionary (498,113 words and prefixes with their frequencies). jieba's own cache is one
  marshalled dict that took 0.49 s of the five documents' 1.9 s build to read back, is not
  checked against anything, and marshal is not meant for files another program could have
  written. Here the words are one UTF-8 text (a word never holds a line break: jieba splits
  its word list on them) and the frequencies one array of 64-bit integers: 0.16 s to read.
- The cuts: each text linking cut, with its words (1,889 texts for the five documents). A
  build whose texts were all cut before needs neither jieba's dictionary nor jieba itself
  (0.26 s of the five documents' build); a new text is cut by jieba and kept for next time.
  Each entry is checked: its words, joined, are its text (jieba's cut without HMM loses and
  adds nothing).

File layout: a first line naming the format, a second line of JSON (jieba's version, the
number of entries, the SHA-256 of the body and what else the format needs), then the body. A
file that is short, altered, of another jieba version or another format is not used (`read_…`
returns None) and the caller makes its content again and rewrites it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reformkg.atomic import write_atomically

DICTIONARY_FORMAT = b"reformkg jieba prefix dictionary/1\n"
CUTS_FORMAT = b"reformkg jieba cuts/1\n"

Cuts = dict[str, tuple[str, ...]]


def dictionary_file(cache_dir: Path, jieba_version: str) -> Path:
    return cache_dir / f"jieba-{jieba_version}.dictionary"


def cuts_file(cache_dir: Path, jieba_version: str) -> Path:
    return cache_dir / f"jieba-{jieba_version}.cuts"


def _read(path: Path, magic: bytes, jieba_version: str) -> tuple[dict[str, Any], bytes] | None:
    """The header and body of a file of this format and jieba version whose body is whole and
    unaltered (its length and SHA-256 are the header's), or None."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    header_end = data.find(b"\n", len(magic))
    if not data.startswith(magic) or header_end < 0:
        return None
    try:
        header = json.loads(data[len(magic) : header_end])
    except ValueError:
        return None
    body = data[header_end + 1 :]
    if (
        not isinstance(header, dict)
        or header.get("jieba") != jieba_version
        or header.get("body_bytes") != len(body)
        or header.get("sha256") != hashlib.sha256(body).hexdigest()
    ):
        return None
    return header, body


def _write(path: Path, magic: bytes, header: dict[str, Any], body: bytes) -> None:
    header = {**header, "body_bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    write_atomically(path, magic + json.dumps(header, sort_keys=True).encode() + b"\n" + body)


def read_dictionary(path: Path, jieba_version: str) -> tuple[dict[str, int], int] | None:
    """The dictionary (word → frequency, total frequency) in `path`, or None."""
    found = _read(path, DICTIONARY_FORMAT, jieba_version)
    if found is None:
        return None
    header, body = found
    try:
        count, total, words_size = header["count"], header["total"], header["words_bytes"]
        if not all(isinstance(n, int) for n in (count, total, words_size)):
            return None
        if len(body) - words_size != count * 8:
            return None
        words = body[:words_size].decode("utf-8").split("\n") if count else []
    except (KeyError, TypeError, UnicodeDecodeError):
        return None
    if len(words) != count:
        return None
    freqs = array("q")
    freqs.frombytes(body[words_size:])
    if sys.byteorder == "big":
        freqs.byteswap()
    return dict(zip(words, freqs, strict=True)), total


def write_dictionary(path: Path, freq: Mapping[str, int], total: int, jieba_version: str) -> None:
    """Write the dictionary to `path` (see the module's docstring)."""
    if any("\n" in word for word in freq):
        raise ValueError("a dictionary word holds a line break: it cannot be written here")
    words = "\n".join(freq).encode("utf-8")
    freqs = array("q", freq.values())
    if sys.byteorder == "big":
        freqs.byteswap()
    header = {"jieba": jieba_version, "count": len(freq), "total": total}
    _write(path, DICTIONARY_FORMAT, {**header, "words_bytes": len(words)}, words + freqs.tobytes())


def read_cuts(path: Path, jieba_version: str) -> Cuts | None:
    """The texts cut before and their words, or None (also when one entry's words do not
    make its text)."""
    found = _read(path, CUTS_FORMAT, jieba_version)
    if found is None:
        return None
    header, body = found
    try:
        entries = json.loads(body)
    except ValueError:
        return None
    if not isinstance(entries, dict) or len(entries) != header.get("count"):
        return None
    cuts: Cuts = {}
    for text, words in entries.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            return None
        if "".join(words) != text:
            return None
        cuts[text] = tuple(words)
    return cuts


def write_cuts(path: Path, cuts: Mapping[str, tuple[str, ...]], jieba_version: str) -> None:
    """Write the texts and their words to `path`, by text (the same cuts give the same bytes)."""
    body = json.dumps(
        {text: list(cuts[text]) for text in sorted(cuts)}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    _write(path, CUTS_FORMAT, {"jieba": jieba_version, "count": len(cuts)}, body)

"""SPARQL query text, read without a parser: the query form, and parameters bound as VALUES.

Used where pyoxigraph's own parser is not in the way: to pick the response form before a
query runs, and to bind parameters for servers that do not take SEP-0007 substitutions.
"""

from __future__ import annotations

import re

from reformkg.graph.query.store import TermTuple, from_tuple

_LEXEMES = re.compile(
    r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>',
    re.S,
)


def code_only(query: str) -> str:
    """The query with comments, strings and IRIs blanked out (same length, filled with \x01,
    neither space nor word character), so keywords can be found by a plain scan without
    matching words inside a literal or an IRI, and offsets still point into the query."""
    return _LEXEMES.sub(lambda m: "\x01" * len(m.group(0)), query)


_WHERE_OPEN = re.compile(r"(?<![?$:\w])WHERE\s*\{|\{", re.I)
_FORM = re.compile(r"(?<![?$:\w])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:])", re.I)


def inject_values(query: str, substitutions: dict[str, TermTuple]) -> str:
    """The query with a `VALUES` block of the bound terms opening its outermost group.

    For servers that do not take SEP-0007 substitutions: each value is written by pyoxigraph's
    own term serialiser (escaped N-Triples form), so a user's text can never become query code.
    """
    if not substitutions:
        return query
    code = code_only(query)
    form = _FORM.search(code)
    match = _WHERE_OPEN.search(code, form.end() if form else 0)
    if match is None:
        raise ValueError("cannot bind parameters: the query has no group pattern")
    names = sorted(substitutions)
    row = " ".join(str(from_tuple(substitutions[n])) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    return query[: match.end()] + block + query[match.end() :]


def query_form(query: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK (upper case), or None when there is none."""
    match = _FORM.search(code_only(query))
    return match.group(1).upper() if match else None

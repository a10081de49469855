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


#: The character before `<` when `<` may be the less-than operator: the end of a variable or
#: a number, or a closing bracket.
_OPERAND_END = re.compile(r"[\w)\]]")


def code_for_calls(query: str) -> str:
    """`code_only`, but what reads as an IRI right after a variable, a number or a closing
    bracket is kept as written: there `<` may be less-than, and pyoxigraph reads
    `FILTER(?a<?b)SERVICE:t#>` as `?a < ?b`, the keyword SERVICE, the name `:t` and a comment.
    For the SERVICE scan (web/sparql.py), where a word seen too often only refuses a query:
    hypothesis found such a SERVICE inside MINUS answered 200, pyoxigraph never calling it."""

    def blank(lexeme: re.Match[str]) -> str:
        text, start = lexeme.group(0), lexeme.start()
        if text.startswith("<") and start and _OPERAND_END.match(query, start - 1):
            return text
        return "\x01" * len(text)

    return _LEXEMES.sub(blank, query)


_WHERE_OPEN = re.compile(r"(?<![?$:\w])WHERE\s*\{|\{", re.I)
_FORM = re.compile(r"(?<![?$:\w])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:])", re.I)


#: A named question may say where its values go: a comment `# VALUES ?a ?b …` opening the
#: group that should start with them (a subquery that counts, so that it counts only what is
#: asked). The bound variables it names are bound there; a `# VALUES` comment naming none takes
#: the rest, and what no comment takes opens the outermost group.
_MARK = re.compile(r"#[ \t]*VALUES\b((?:[ \t]+\?\w+)*)")


def _values(names: list[str], substitutions: dict[str, TermTuple]) -> str:
    row = " ".join(str(from_tuple(substitutions[n])) for n in names)
    return f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "


def inject_values(query: str, substitutions: dict[str, TermTuple]) -> str:
    """The query with `VALUES` blocks of the bound terms where its `# VALUES` comments say, or
    opening its outermost group.

    Each value is written by pyoxigraph's own term serialiser (escaped N-Triples form), so a
    user's text can never become query code. Used for every named question (the engine's
    optimiser sees a VALUES block, not a SEP-0007 substitution) and for servers that do not
    take substitutions.
    """
    if not substitutions:
        return query
    left = sorted(substitutions)
    marks: list[tuple[int, int, list[str]]] = []
    claimed = set()
    for lexeme in _LEXEMES.finditer(query):  # comments, not text inside a string
        mark = _MARK.match(lexeme.group(0))
        if mark:
            named = [v.lstrip("?") for v in mark.group(1).split()]
            marks.append((lexeme.start(), lexeme.end(), named))
            claimed.update(named)
    out = query
    for start, end, named in reversed(marks):  # from the end: earlier offsets stay valid
        take = [n for n in (named or [n for n in left if n not in claimed]) if n in substitutions]
        block = _values(take, substitutions) if take else ""
        out = out[:start] + block + out[end:]
    placed = {n for _, _, named in marks for n in named} | (
        set(left) if any(not named for _, _, named in marks) else set()
    )
    rest = [n for n in left if n not in placed]
    if not rest:
        return out
    code = code_only(out)
    form = _FORM.search(code)
    match = _WHERE_OPEN.search(code, form.end() if form else 0)
    if match is None:
        raise ValueError("cannot bind parameters: the query has no group pattern")
    return out[: match.end()] + _values(rest, substitutions) + out[match.end() :]


def query_form(query: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK (upper case), or None when there is none."""
    match = _FORM.search(code_only(query))
    return match.group(1).upper() if match else None

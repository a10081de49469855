"""Serve time: a query's answer written as SPARQL JSON, XML, CSV or TSV.

The writers work on term tuples (`reformkg.graph.query.store.TermTuple`), so answers from the
local workers and from a remote server are written by the same code; which format a client
gets is decided by `reformkg.media`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from reformkg.graph.query.pool import Outcome
from reformkg.graph.query.store import TermTuple
from reformkg.media import Media
from reformkg.spreadsheet import write_table

__all__ = ["render"]


def _json_term(t: TermTuple) -> dict[str, str]:
    if t[0] == "uri":
        return {"type": "uri", "value": t[1]}
    if t[0] == "bnode":
        return {"type": "bnode", "value": t[1]}
    out = {"type": "literal", "value": t[1]}
    if t[3]:
        out["xml:lang"] = t[3]
    elif t[2] != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = t[2]
    return out


def _json(o: Outcome, raw: bool) -> bytes:
    if o.kind == "ask":
        doc: dict[str, object] = {"head": {}, "boolean": bool(o.boolean)}
    else:
        bindings = [
            {v: _json_term(t) for v, t in zip(o.variables, row, strict=True) if t is not None}
            for row in o.rows
        ]
        doc = {"head": {"vars": o.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _xml_term(t: TermTuple) -> str:
    if t[0] == "uri":
        return f"<uri>{escape(t[1])}</uri>"
    if t[0] == "bnode":
        return f"<bnode>{escape(t[1])}</bnode>"
    if t[3]:
        return f"<literal xml:lang={quoteattr(t[3])}>{escape(t[1])}</literal>"
    if t[2] != "http://www.w3.org/2001/XMLSchema#string":
        return f"<literal datatype={quoteattr(t[2])}>{escape(t[1])}</literal>"
    return f"<literal>{escape(t[1])}</literal>"


def _xml(o: Outcome, raw: bool) -> bytes:
    out = [
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>",
    ]
    out += [f"<variable name={quoteattr(v)}/>" for v in o.variables]
    out.append("</head>")
    if o.kind == "ask":
        out.append(f"<boolean>{'true' if o.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in o.rows:
            out.append("<result>")
            out += [
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(o.variables, row, strict=True)
                if t is not None
            ]
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>\n")
    return "\n".join(out).encode()


def _csv(o: Outcome, raw: bool) -> bytes:
    """SPARQL CSV: values only. The format exists for spreadsheets (the W3C note says so), so
    cells a spreadsheet would run as formulas are neutralised unless `raw`; TSV needs no such
    care: every term is written in N-Triples syntax, a literal always inside quotes."""
    if o.kind == "ask":
        return write_table(["boolean"], [["true" if o.boolean else "false"]]).encode()
    rows = (
        ["" if t is None else (f"_:{t[1]}" if t[0] == "bnode" else t[1]) for t in row]
        for row in o.rows
    )
    return write_table(o.variables, rows, raw=raw).encode()


def _tsv_term(t: TermTuple | None) -> str:
    if t is None:
        return ""
    if t[0] == "uri":
        return f"<{t[1]}>"
    if t[0] == "bnode":
        return f"_:{t[1]}"
    text = (
        t[1]
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if t[3]:
        return f'"{text}"@{t[3]}'
    if t[2] == "http://www.w3.org/2001/XMLSchema#string":
        return f'"{text}"'
    return f'"{text}"^^<{t[2]}>'


def _tsv(o: Outcome, raw: bool) -> bytes:
    if o.kind == "ask":
        return f"?boolean\n{'true' if o.boolean else 'false'}\n".encode()
    lines = ["\t".join("?" + v for v in o.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in o.rows]
    return ("\n".join(lines) + "\n").encode()


_WRITERS: dict[str, Callable[[Outcome, bool], bytes]] = {
    "application/sparql-results+json": _json,
    "application/sparql-results+xml": _xml,
    "text/csv": _csv,
    "text/tab-separated-values": _tsv,
}


def render(outcome: Outcome, media: Media, *, raw: bool = False) -> bytes:
    """The answer's bytes in `media` (graph answers were already written by the worker);
    `raw`: CSV values exactly as they are (see `_csv`)."""
    if outcome.kind == "graph":
        return outcome.graph
    return _WRITERS[media.media_type](outcome, raw)

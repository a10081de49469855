"""One media-type table for SPARQL answers, content negotiation, and the result serialisers.

SELECT/ASK answers go out as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE answers (and
the service description) as Turtle, N-Triples, JSON-LD or RDF/XML. A client picks with the
Accept header (q-values honoured) or with `format=` (a short name or a media type), and gets
406 when nothing it accepts exists. The tabular serialisers work on term tuples
(graph.store.TermTuple), so answers from the local workers and from a remote server are
written by the same code.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from graph.query_pool import Outcome
from graph.store import TermTuple


@dataclass(frozen=True)
class Media:
    media_type: str  # the canonical type sent in Content-Type
    kind: str  # "results" (SELECT/ASK) or "rdf" (CONSTRUCT/DESCRIBE)
    names: tuple[str, ...]  # short names accepted by format=
    aliases: tuple[str, ...] = ()  # other media types that mean the same
    rdf_format: str = ""  # pyoxigraph RdfFormat name for kind "rdf"


MEDIA: tuple[Media, ...] = (
    Media("application/sparql-results+json", "results", ("json", "srj"), ("application/json",)),
    Media(
        "application/sparql-results+xml", "results", ("xml", "srx"), ("application/xml", "text/xml")
    ),
    Media("text/csv", "results", ("csv",)),
    Media("text/tab-separated-values", "results", ("tsv",)),
    Media("text/turtle", "rdf", ("turtle", "ttl"), ("application/x-turtle",), "TURTLE"),
    Media(
        "application/n-triples",
        "rdf",
        ("nt", "ntriples", "n-triples"),
        ("text/plain",),
        "N_TRIPLES",
    ),
    Media("application/ld+json", "rdf", ("jsonld", "json-ld"), ("application/json",), "JSON_LD"),
    Media(
        "application/rdf+xml",
        "rdf",
        ("rdfxml", "rdf", "xml"),
        ("application/xml", "text/xml"),
        "RDF_XML",
    ),
)
DEFAULT = {"results": MEDIA[0], "rdf": MEDIA[4]}


class NotAcceptable(Exception):
    """No media type the client accepts can carry this kind of answer (HTTP 406)."""


def offered(kind: str) -> list[str]:
    return [m.media_type for m in MEDIA if m.kind == kind]


def _by_type(kind: str, media_type: str) -> Media | None:
    for m in MEDIA:
        if m.kind == kind and (media_type == m.media_type or media_type in m.aliases):
            return m
    return None


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Accept header entries as (media type, q), best first; order kept among equal q."""
    entries = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        entries.append((fields[0].lower(), q, index))
    entries.sort(key=lambda e: (-e[1], e[2]))
    return [(t, q) for t, q, _ in entries if q > 0]


def negotiate(kind: str, accept: str | None, fmt: str | None) -> Media:
    """The media type for an answer of `kind`: `format=` first, then Accept, else the default."""
    if fmt:
        fmt = fmt.strip().lower()
        for m in MEDIA:
            if m.kind == kind and fmt in m.names:
                return m
        found = _by_type(kind, fmt)
        if found:
            return found
        raise NotAcceptable(
            f"format={fmt} cannot carry this answer; use one of "
            f"{', '.join(n for m in MEDIA if m.kind == kind for n in m.names[:1])}"
        )
    if not accept or not accept.strip():
        return DEFAULT[kind]
    for media_type, _q in parse_accept(accept):
        if media_type in {"*/*", "application/*", "text/*"}:
            default = DEFAULT[kind]
            if media_type == "*/*" or default.media_type.startswith(media_type[:-1]):
                return default
            for m in MEDIA:
                if m.kind == kind and m.media_type.startswith(media_type[:-1]):
                    return m
            continue
        found = _by_type(kind, media_type)
        if found:
            return found
    raise NotAcceptable(
        f"none of the accepted types ({accept}) can carry this answer; "
        f"offered: {', '.join(offered(kind))}"
    )


# --------------------------------------------------------------------------- serialisers


def _json_term(t: TermTuple) -> dict:
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


def _json(o: Outcome) -> bytes:
    if o.kind == "ask":
        doc: dict = {"head": {}, "boolean": bool(o.boolean)}
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


def _xml(o: Outcome) -> bytes:
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


def _csv(o: Outcome) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if o.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if o.boolean else "false"])
    else:
        writer.writerow(o.variables)
        for row in o.rows:
            writer.writerow(
                ["" if t is None else (f"_:{t[1]}" if t[0] == "bnode" else t[1]) for t in row]
            )
    return buf.getvalue().encode()


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


def _tsv(o: Outcome) -> bytes:
    if o.kind == "ask":
        return f"?boolean\n{'true' if o.boolean else 'false'}\n".encode()
    lines = ["\t".join("?" + v for v in o.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in o.rows]
    return ("\n".join(lines) + "\n").encode()


_WRITERS = {
    "application/sparql-results+json": _json,
    "application/sparql-results+xml": _xml,
    "text/csv": _csv,
    "text/tab-separated-values": _tsv,
}


def render(outcome: Outcome, media: Media) -> bytes:
    """The answer's bytes in `media` (graph answers were already written by the worker)."""
    if outcome.kind == "graph":
        return outcome.graph
    return _WRITERS[media.media_type](outcome)


def content_type(media: Media) -> str:
    return f"{media.media_type}; charset=utf-8"

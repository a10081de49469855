"""Ground: the one media-type table and the one content negotiation, for every answer.

Four kinds of answer are negotiated, each with the formats it can be written in, the first
being its default:

    results   SELECT/ASK answers      SPARQL JSON, XML, CSV, TSV
    rdf       CONSTRUCT/DESCRIBE, the service description, any RDF
                                      Turtle, N-Triples, JSON-LD, RDF/XML
    resource  a page of the graph     HTML, Turtle, JSON-LD, N-Triples, RDF/XML
    table     a named question        JSON, CSV, TSV, HTML

A client picks with `format=` (a short name or a media type) or with the Accept header, read
as RFC 9110 says: each offered type takes the q of the most specific range that matches it
(`text/turtle;q=0` excludes Turtle even after `*/*`), the highest q wins, ties go to the
client's order and then to the default. When nothing acceptable is offered: `NotAcceptable`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KINDS", "MEDIA", "Media", "NotAcceptable", "content_type", "negotiate", "parse_accept"]


@dataclass(frozen=True)
class Media:
    media_type: str  # the canonical type sent in Content-Type
    kind: str  # results | rdf | resource | table
    names: tuple[str, ...]  # short names accepted by format= (the first is the canonical one)
    aliases: tuple[str, ...] = ()  # other media types that mean the same
    rdf_format: str = ""  # pyoxigraph RdfFormat name, for RDF answers
    results_format: str = ""  # pyoxigraph QueryResultsFormat name, for SPARQL results


_JSON_RESULTS = Media(
    "application/sparql-results+json", "results", ("json", "srj"), ("application/json",), "", "JSON"
)
_XML_RESULTS = Media(
    "application/sparql-results+xml",
    "results",
    ("xml", "srx"),
    ("application/xml", "text/xml"),
    "",
    "XML",
)
_TURTLE = ("text/turtle", ("turtle", "ttl"), ("application/x-turtle",), "TURTLE")
_NTRIPLES = ("application/n-triples", ("nt", "ntriples", "n-triples"), ("text/plain",), "N_TRIPLES")
_JSONLD = ("application/ld+json", ("jsonld", "json-ld"), ("application/json",), "JSON_LD")
_RDFXML = (
    "application/rdf+xml",
    ("rdfxml", "rdf", "xml"),
    ("application/xml", "text/xml"),
    "RDF_XML",
)
_HTML = ("text/html", ("html",), ("application/xhtml+xml",))

#: An RDF format's row: media type, short names, aliases, pyoxigraph RdfFormat name.
_RdfSpec = tuple[str, tuple[str, ...], tuple[str, ...], str]


def _rdf(kind: str, spec: _RdfSpec, extra_names: tuple[str, ...] = ()) -> Media:
    media_type, names, aliases, rdf_format = spec
    return Media(media_type, kind, names + extra_names, aliases, rdf_format)


#: Every format of every kind, each kind's default first.
MEDIA: tuple[Media, ...] = (
    _JSON_RESULTS,
    _XML_RESULTS,
    Media("text/csv", "results", ("csv",), (), "", "CSV"),
    Media("text/tab-separated-values", "results", ("tsv",), (), "", "TSV"),
    _rdf("rdf", _TURTLE),
    _rdf("rdf", _NTRIPLES),
    _rdf("rdf", _JSONLD),
    _rdf("rdf", _RDFXML),
    Media(_HTML[0], "resource", _HTML[1], _HTML[2]),
    _rdf("resource", _TURTLE),
    _rdf("resource", _JSONLD, ("json",)),
    _rdf("resource", _NTRIPLES),
    _rdf("resource", _RDFXML),
    Media("application/json", "table", ("json",)),
    Media("text/csv", "table", ("csv",)),
    Media("text/tab-separated-values", "table", ("tsv",)),
    Media(_HTML[0], "table", _HTML[1], _HTML[2]),
)
KINDS = ("results", "rdf", "resource", "table")


class NotAcceptable(Exception):
    """No format the client accepts can carry this kind of answer (HTTP 406)."""


def offers(kind: str) -> list[Media]:
    """The formats of one kind of answer, its default first."""
    return [m for m in MEDIA if m.kind == kind]


def default(kind: str) -> Media:
    return offers(kind)[0]


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Accept header ranges as (media range, q), in the client's order, q=0 ones included."""
    entries = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = min(1.0, max(0.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        entries.append((fields[0].lower(), q))
    return entries


def _quality(media: Media, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q the client gives this format (most specific matching range) and that range's
    position in the header (for ties); (0, 0) when no range matches."""
    best: tuple[int, float, int] | None = None  # (specificity, q, position)
    types = (media.media_type, *media.aliases)
    for position, (accepted, q) in enumerate(ranges):
        if accepted in types:
            specificity = 3 if accepted == media.media_type else 2
        elif accepted.endswith("/*") and media.media_type.startswith(accepted[:-1]):
            specificity = 1
        elif accepted == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q, position)
    return (best[1], best[2]) if best else (0.0, 0)


def negotiate(kind: str, accept: str | None, fmt: str | None = None) -> Media:
    """The format for an answer of `kind`: `format=` first, then Accept, else the default."""
    candidates = offers(kind)
    if fmt:
        wanted = fmt.strip().lower()
        for m in candidates:
            if wanted in m.names or wanted == m.media_type or wanted in m.aliases:
                return m
        raise NotAcceptable(
            f"format={fmt} cannot carry this answer; use one of "
            f"{', '.join(m.names[0] for m in candidates)}"
        )
    if not accept or not accept.strip():
        return candidates[0]
    ranges = parse_accept(accept)
    scored = []
    for order, m in enumerate(candidates):
        q, position = _quality(m, ranges)
        if q > 0:
            scored.append((-q, position, order, m))
    if not scored:
        raise NotAcceptable(
            f"none of the accepted types ({accept}) can carry this answer; "
            f"offered: {', '.join(m.media_type for m in candidates)}"
        )
    return min(scored, key=lambda s: s[:3])[3]


def content_type(media: Media) -> str:
    """The Content-Type header value (UTF-8 for every text format this product writes)."""
    return f"{media.media_type}; charset=utf-8"

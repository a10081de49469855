"""Serve time: a resource's triples as Turtle with the project's prefixes and as compacted
JSON-LD, for the content negotiation of /id/… and /resource.

pyoxigraph writes a prefixed name only when its local part needs no escape, so every data IRI
(`id:measure/sz-bizenv-2022-b1/47`, whose local part holds '/') came out in full. Turtle
allows `\\/` in a local name (PN_LOCAL_ESC), so this writer escapes it and every IRI under a
known namespace is written short. JSON-LD is written compacted against one context, the
project's prefixes (`CONTEXT`), embedded in each document and also served at /context.jsonld,
so `rk:inDocument` and `id:doc/…` read as in Turtle. Both are checked by rdflib in the tests
(same graph as N-Triples).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable

import pyoxigraph as ox

from reformkg.vocab import PAGE_PREFIXES, PREFIXES

__all__ = ["CONTEXT", "CONTEXT_PATH", "jsonld", "turtle"]

#: The prefixes data pages use: the page prefixes plus th: for themes.
_PREFIXES = {**PAGE_PREFIXES, "th": PREFIXES["th"]}
#: The JSON-LD context of every document the server writes (also at CONTEXT_PATH).
CONTEXT: dict[str, str] = dict(sorted(_PREFIXES.items()))
CONTEXT_PATH = "/context.jsonld"
_RDF_TYPE = PREFIXES["rdf"] + "type"
_XSD_STRING = PREFIXES["xsd"] + "string"
_ESCAPED = set("~!$&'()*+,;=/?#@")


def _local(text: str) -> str | None:
    """`text` as a Turtle PN_LOCAL (reserved characters escaped), or None when it cannot be."""
    if not text:
        return None
    out = []
    for i, ch in enumerate(text):
        if ch in _ESCAPED or (ch in "-." and i == 0) or (ch == "." and i == len(text) - 1):
            out.append("\\" + ch)
        elif ch == "%":
            if (
                not all(c in "0123456789abcdefABCDEF" for c in text[i + 1 : i + 3])
                or len(text[i + 1 : i + 3]) < 2
            ):
                return None
            out.append(ch)
        elif ch.isalnum() or ch in "_-.:" or unicodedata.category(ch).startswith("L"):
            out.append(ch)
        else:
            return None
    return "".join(out)


def _short(iri: str) -> str | None:
    """The prefixed name of an IRI under a known namespace (longest namespace first)."""
    for prefix, ns in sorted(_PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            local = _local(iri[len(ns) :])
            if local is not None:
                return f"{prefix}:{local}"
    return None


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return _short(term.value) or str(term)
    if isinstance(term, ox.Literal) and term.datatype and not term.language:
        datatype = term.datatype.value
        if datatype != _XSD_STRING:
            lexical = str(ox.Literal(term.value))
            return f"{lexical}^^{_short(datatype) or str(term.datatype)}"
    return str(term)  # N-Triples form: valid Turtle


def turtle(triples: Iterable[ox.Triple]) -> bytes:
    """Turtle grouped by subject (sorted, so the same triples give the same bytes), with the
    prefixes it uses declared."""
    by_subject: dict[str, dict[str, list[str]]] = {}
    for t in sorted(triples, key=str):
        preds = by_subject.setdefault(_term(t.subject), {})
        pred = "a" if t.predicate.value == _RDF_TYPE else _term(t.predicate)
        preds.setdefault(pred, []).append(_term(t.object))
    body = []
    # the resource itself first (its IRI is the shortest), then what it owns
    for subject, preds in sorted(by_subject.items(), key=lambda kv: (len(kv[0]), kv[0])):
        lines = [
            f"    {p} {' , '.join(objs)}"
            for p, objs in sorted(preds.items(), key=lambda kv: (kv[0] != "a", kv[0]))
        ]
        body.append(f"{subject}\n" + " ;\n".join(lines) + " .\n")
    text = "\n".join(body)
    used = [p for p in _PREFIXES if f"{p}:" in text]
    head = "".join(f"@prefix {p}: <{_PREFIXES[p]}> .\n" for p in used)
    return (head + "\n" + text).encode("utf-8")


def _compact(iri: str) -> str:
    for prefix, ns in sorted(_PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return _compact(term.value) if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return {"@id": _node_id(term)}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        datatype = term.datatype.value if term.datatype else _XSD_STRING
        if datatype == _XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": _compact(datatype)}
    raise TypeError(f"no JSON-LD for {term!r}")


def jsonld(triples: Iterable[ox.Triple]) -> bytes:
    """Compacted JSON-LD: the context's prefixes, one node per subject in @graph."""
    nodes: dict[str, dict[str, object]] = {}
    for t in sorted(triples, key=str):
        subject = t.subject
        if not isinstance(subject, ox.NamedNode | ox.BlankNode):
            continue
        node = nodes.setdefault(_node_id(subject), {"@id": _node_id(subject)})
        if t.predicate.value == _RDF_TYPE and isinstance(t.object, ox.NamedNode):
            types = node.setdefault("@type", [])
            assert isinstance(types, list)
            types.append(_compact(t.object.value))
            continue
        values = node.setdefault(_compact(t.predicate.value), [])
        assert isinstance(values, list)
        values.append(_value(t.object))
    for node in nodes.values():
        for key, value in list(node.items()):
            if isinstance(value, list) and len(value) == 1:
                node[key] = value[0]
    document = {"@context": CONTEXT, "@graph": list(nodes.values())}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")

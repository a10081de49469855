"""Full-text search over names and texts, simplified and traditional characters alike.

The index is built once from the store (SPARQL), so it finds exactly what the graph holds. Both
the query and every indexed text are converted to simplified characters (reformkg.script, OpenCC
t2s) and case-folded, so 開立銀行賬戶 finds 开立银行账户. Chinese has no spaces, so matching works on the
whole query term (a substring hit) and, for partial matches, on character bigrams.

Ranking (why: analysts look for a measure by its name first): a hit in a name outweighs a hit in
practice or effect text; an exact substring hit outweighs scattered bigrams; more matched
bigrams rank higher; measures outrank other resources at the same score. Ties break by IRI, so
results are deterministic.

Bounded (why: the search runs in the web process, and its work grows with terms × indexed
text): a query of more than MAX_CHARS characters or MAX_TERMS words is refused before any work
(400 naming `q`), and a search still running after its time budget is stopped (503), never cut
short and passed off as complete.
"""

from __future__ import annotations

import html
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reformkg.errors import QueryError, QueryTimeout
from reformkg.graph.query.store import SparqlStore, select
from reformkg.graph.read.resources import compact
from reformkg.script import PRINTED_TAG, normalise, printed_only
from reformkg.vocab import SPARQL_PREFIXES

if TYPE_CHECKING:
    from starlette.datastructures import State

#: Field weights: a name hit must beat any text hit, so name weight > text weight x 2.
FIELD_WEIGHTS = {"name": 10.0, "alias": 8.0, "practice": 3.0, "point": 3.0, "effect": 2.0}
#: Kinds in display order (and tie-break order): measures first.
KIND_ORDER = ("measure", "item", "agency", "theme", "document", "section", "place", "scope")
SNIPPET_WIDTH = 36  # characters either side of the first hit
#: The longest query searched: a measure's name or a sentence of its text fits.
MAX_CHARS = 200
#: The most words (white-space separated terms) in one query.
MAX_TERMS = 20
#: Entries scored between two looks at the clock.
_CLOCK_EVERY = 64


def check_query(query: str) -> None:
    """QueryError (400) naming `q` when the query is longer than a search takes."""
    if len(query) > MAX_CHARS:
        raise QueryError(
            f"q: {len(query):,} characters; a search takes at most {MAX_CHARS} "
            "(a few words, a name or a sentence)"
        )
    words = len(query.split())
    if words > MAX_TERMS:
        raise QueryError(f"q: {words} words; a search takes at most {MAX_TERMS}")


def _terms(query: str) -> list[str]:
    """Query terms: white-space separated, normalised, de-duplicated, longest first."""
    check_query(query)
    seen = dict.fromkeys(t for t in normalise(query.strip()).split() if t)
    return sorted(seen, key=lambda t: (-len(t), t))


def _bigrams(term: str) -> set[str]:
    return {term[i : i + 2] for i in range(len(term) - 1)}


@dataclass(frozen=True)
class Field:
    name: str  # name | alias | practice | point | effect
    text: str  # as stored
    norm: str  # normalised, same length


@dataclass(frozen=True)
class Entry:
    iri: str
    kind: str
    label: str
    document: str
    document_label: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    field: Field
    spans: tuple[tuple[int, int], ...]


class SearchIndex:
    """An in-memory index of every named resource and every measure's texts."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: e.iri)

    def __len__(self) -> int:
        return len(self.entries)

    def search(
        self,
        query: str,
        limit: int = 50,
        kind: str | None = None,
        budget: float | None = None,
    ) -> list[Hit]:
        """Entries matching `query`, best first (see the module docstring for the ranking).

        QueryError for a query over the limits; QueryTimeout when the search is still running
        after `budget` seconds."""
        terms = _terms(query)
        if not terms:
            return []
        deadline = None if budget is None else time.monotonic() + budget
        hits = []
        for n, entry in enumerate(self.entries):
            if deadline is not None and n % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
                raise QueryTimeout(
                    f"the search for q ({len(terms)} words) ran over {budget:g} s and was "
                    "stopped: search for fewer or more specific words"
                )
            if kind and entry.kind != kind:
                continue
            hit = _score(entry, terms)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, _kind_rank(h.entry.kind), h.entry.iri))
        return hits[:limit]


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _score(entry: Entry, terms: list[str]) -> Hit | None:
    """Score one entry; None when no field matches well enough.

    A term matches a field when it occurs in it, or (terms of 3+ characters) when at least half
    of its bigrams occur in it. The score of a field is weight x (matched characters, doubled
    for an exact occurrence); the entry's score sums its fields, and its snippet comes from the
    best-scoring field.
    """
    total = 0.0
    best: tuple[float, Field, list[tuple[int, int]]] | None = None
    for f in entry.fields:
        weight = FIELD_WEIGHTS[f.name]
        field_score = 0.0
        spans: list[tuple[int, int]] = []
        for term in terms:
            pos = f.norm.find(term)
            if pos >= 0:
                field_score += 2 * len(term)
                spans.extend(_all_spans(f.norm, term))
                continue
            grams = _bigrams(term)
            if len(term) < 3 or not grams:
                continue
            found = [g for g in grams if g in f.norm]
            if len(found) * 2 >= len(grams):
                field_score += len(found) + 1
                for g in found:
                    spans.extend(_all_spans(f.norm, g))
        if field_score:
            field_score *= weight
            total += field_score
            if best is None or field_score > best[0]:
                best = (field_score, f, spans)
    if best is None:
        return None
    return Hit(entry, round(total, 3), best[1], tuple(_merge(best[2])))


def _all_spans(text: str, term: str) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(term)) for m in re.finditer(re.escape(term), text)]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def snippet_html(hit: Hit, width: int = SNIPPET_WIDTH) -> str:
    """A window of the best field around its first hit, escaped, hits wrapped in <mark>."""
    text = hit.field.text
    if not hit.spans:
        return html.escape(text[: 2 * width])
    first = hit.spans[0][0]
    lo = max(0, first - width)
    hi = min(len(text), max(hit.spans[0][1], first) + width)
    out = ["…" if lo > 0 else ""]
    cursor = lo
    for start, end in hit.spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(html.escape(text[cursor:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        cursor = end
    out.append(html.escape(text[cursor:hi]))
    out.append("…" if hi < len(text) else "")
    return "".join(out)


def hit_json(hit: Hit) -> dict[str, object]:
    """The JSON shape of one result (also what the HTML page renders)."""
    from reformkg.graph.read.resources import local_href

    e = hit.entry
    return {
        "iri": e.iri,
        "url": local_href(e.iri),
        "kind": e.kind,
        "label": e.label,
        "document": e.document or None,
        "document_label": e.document_label or None,
        "score": hit.score,
        "field": hit.field.name,
        "snippet": snippet_html(hit),
    }


# --------------------------------------------------------------------------- building the index

_KIND_OF_CLASS = {
    "Measure": "measure",
    "ReformItem": "item",
    "Agency": "agency",
    "CollectiveAgency": "agency",
    "Document": "document",
    "Section": "section",
    "Place": "place",
    "PromotionScope": "scope",
}

_NAMES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?s ?class ?p ?text (LANG(?text) AS ?lang) ?doc ?docTitle WHERE {
  { ?s a ?class . VALUES ?class { rk:Measure rk:ReformItem rk:Agency rk:CollectiveAgency
                                  rk:Document rk:Section rk:Place rk:PromotionScope skos:Concept } }
  VALUES ?p { rdfs:label skos:prefLabel dcterms:title skos:altLabel rk:practiceText
              rk:effectText }
  ?s ?p ?text .
  FILTER(isLiteral(?text))
  OPTIONAL { ?s rk:inDocument|rk:sectionOf ?doc .
             OPTIONAL { ?doc dcterms:title ?docTitle """
    + printed_only("?docTitle", "?doc", "dcterms:title")
    + """ } }
}"""
)

_POINTS_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?s ?text WHERE { ?s a rk:Measure ; rk:hasPracticePoint ?pt . ?pt rk:text ?text . """
    + printed_only("?text", "?pt", "rk:text")
    + " }"
)

_FIELD_OF_PROPERTY = {
    "label": "name",
    "prefLabel": "name",
    "title": "name",
    "altLabel": "alias",
    "practiceText": "practice",
    "effectText": "effect",
}


def build_index(store: SparqlStore) -> SearchIndex:
    """Read names and texts from the store (asserted and inferred graphs alike) into an index.

    Practice points are indexed only when the measure has no practiceText (they repeat it).
    A text printed in traditional characters is in the graph twice (as printed and simplified):
    it is indexed once, as printed, which is also what labels and snippets show.
    """
    kinds: dict[str, str] = {}
    labels: dict[str, tuple[bool, str]] = {}  # (not the printed form, text): the least wins
    docs: dict[str, tuple[str, str]] = {}
    fields: dict[str, dict[tuple[str, str], tuple[bool, str]]] = {}  # (field, norm) -> text
    for row in select(store, _NAMES_QUERY):
        s = str(row["s"])
        cls = str(row["class"]).rsplit("#", 1)[-1]
        kind = _KIND_OF_CLASS.get(cls, "theme" if cls.endswith("core#Concept") else "")
        if _kind_rank(kind) < _kind_rank(kinds.get(s, "")):
            kinds[s] = kind
        field_name = _FIELD_OF_PROPERTY[str(row["p"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]]
        text = (str(row["lang"] or "").lower() != PRINTED_TAG.lower(), str(row["text"]))
        own = fields.setdefault(s, {})
        key = (field_name, normalise(text[1]))
        own[key] = min(own.get(key, text), text)
        if field_name == "name" and (s not in labels or text < labels[s]):
            labels[s] = text
        if row["doc"] and s not in docs:
            docs[s] = (str(row["doc"]), str(row["docTitle"] or ""))
    for row in select(store, _POINTS_QUERY):
        s = str(row["s"])
        if not any(name == "practice" for name, _ in fields.get(s, {})):
            point = str(row["text"])
            fields.setdefault(s, {})[("point", normalise(point))] = (False, point)
    # A one-row reform item repeats its measure's name: list the measure only.
    parts = select(store, SPARQL_PREFIXES + "SELECT ?item ?m WHERE { ?m rk:partOfItem ?item }")
    echoes = {
        str(r["item"])
        for r in parts
        if labels.get(str(r["item"])) == labels.get(str(r["m"])) is not None
    }
    entries = []
    for s, kind in kinds.items():
        if not kind or s in echoes:
            continue
        fs = tuple(Field(n, t, norm) for (n, norm), (_, t) in sorted(fields.get(s, {}).items()))
        doc, doc_label = docs.get(s, ("", ""))
        label = labels[s][1] if s in labels else compact(s)
        entries.append(Entry(s, kind, label, doc, doc_label, fs))
    return SearchIndex(entries)


_index_lock = threading.Lock()


def get_index(state: State, store: SparqlStore) -> SearchIndex:
    """The app's index, built on first use and cached on app.state (one build per process)."""
    index: SearchIndex | None = getattr(state, "search_index", None)
    if index is None:
        with _index_lock:
            index = getattr(state, "search_index", None)
            if index is None:
                index = build_index(store)
                state.search_index = index
    return index


def bigram_floor(term: str) -> int:
    """How many bigrams of `term` must occur for a partial match (documented for tests/docs)."""
    return math.ceil(len(_bigrams(term)) / 2)

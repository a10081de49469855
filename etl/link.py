"""Cross-batch links between measures: the same reform restated, an evolution, or related.

Method (docs/linking.md has the figures):
1. Features: character bigrams and jieba words of the name, character bigrams of the practice
   text (etl/similarity.py). TF-IDF over all measures; boilerplate features (carried by more
   than MAX_DF_RATIO of the measures) and features of a single measure are dropped.
2. Candidates and text score in one sparse product: score_text = NAME_WEIGHT·cos(name) +
   BODY_WEIGHT·cos(practice), names weighted above body text. Only pairs that share a rare
   feature are ever scored (an inverted-index join), and never two measures of one document.
3. Context evidence: a shared lead agency, pilot place or theme adds a small bonus.
4. Relation: score >= LINK_THRESHOLD is a counterpart; it is the same reform restated when the
   two names and practice texts nearly coincide (SAME_NAME, SAME_BODY), otherwise an evolution
   (the later batch extends or deepens the earlier one). RELATED_THRESHOLD <= score <
   LINK_THRESHOLD is "related" (same topic, a different reform).
5. Direction: document order is (batch_order, date, doc_id) from the manifest; an evolution
   points from the later measure to the earlier one (source rk:evolvesFrom target), and the
   earlier measure is the target of "same" and "related" links as well.

Multi-row reform items (sz-bizenv-2022-b1 items with several task rows) are linked row by row,
because the task row is the measure in the graph (it has its own IRI, agencies and deadline).
When several rows of one item match the same counterpart, only the best-scoring row keeps the
link, so an item with four identically named rows does not produce four copies of one link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, XSD, Literal, URIRef

from etl import similarity
from etl.records import Measure, ParsedDocument
from graph.namespace import RK, link_iri, measure_iri

MeasureKey = tuple[str, str, int | None]

METHOD = "char-bigram-tfidf+jieba-name/v1"
NAME_WEIGHT = 0.6
BODY_WEIGHT = 0.4
MAX_DF_RATIO = 0.05
LINK_THRESHOLD = 0.30
RELATED_THRESHOLD = 0.20
SAME_NAME = 0.75
SAME_BODY = 0.60
AGENCY_BONUS = 0.03
PLACE_BONUS = 0.02
THEME_BONUS = 0.03
MAX_EVIDENCE = 8

RELATIONS = ("same", "evolution", "related")
RELATION_TERMS = {"same": RK.SameReform, "evolution": RK.Evolution, "related": RK.Related}
DIRECT_PROPERTIES = {"same": RK.sameReformAs, "evolution": RK.evolvesFrom, "related": RK.relatedTo}


@dataclass(frozen=True)
class Link:
    """One cross-batch link; for "evolution" the source is the later measure."""

    source_key: MeasureKey
    target_key: MeasureKey
    relation: str  # same | evolution | related
    score: float  # 3 decimals
    method: str
    evidence: tuple[str, ...]  # shared terms, sorted


def measure_key(m: Measure) -> MeasureKey:
    return (m.doc_id, m.number, m.part)


def _doc_order(docs: Sequence[ParsedDocument]) -> dict[str, tuple]:
    """Rank of each document: batch order, then date, then id (a total, stable order)."""
    keys = sorted((d.meta.batch_order, d.meta.date or "", d.meta.doc_id) for d in docs)
    return {k[2]: (rank, *k) for rank, k in enumerate(keys)}


def _agencies(m: Measure) -> set[str]:
    return {a.canonical for a in m.lead if a.level != "collective"}


def _context(a: Measure, b: Measure, themes_a: Sequence[str], themes_b: Sequence[str]
             ) -> tuple[float, list[str]]:
    """Bonus and evidence terms from shared lead agencies, pilot places and themes."""
    bonus, terms = 0.0, []
    shared_agencies = _agencies(a) & _agencies(b)
    if shared_agencies:
        bonus += AGENCY_BONUS
        terms += [f"agency:{x}" for x in shared_agencies]
    shared_places = set(a.places) & set(b.places)
    if shared_places:
        bonus += PLACE_BONUS
        terms += [f"place:{x}" for x in shared_places]
    shared_themes = set(themes_a) & set(themes_b)
    if shared_themes:
        bonus += THEME_BONUS
        terms += [f"theme:{x}" for x in shared_themes]
    return bonus, terms


def _shared_terms(a: Measure, b: Measure, idf: dict[str, float]) -> list[str]:
    """The most informative words the two measures share, names first (readable evidence)."""
    name_a, name_b = set(similarity.words(a.name.clean)), set(similarity.words(b.name.clean))
    body_a = set(similarity.words(a.practice.clean)) | name_a
    body_b = set(similarity.words(b.practice.clean)) | name_b
    generic = similarity.GENERIC_WORDS

    def rank(w: str) -> tuple[float, str]:
        return (-idf.get("w:" + w, 1.0) - len(w) / 10, w)

    in_names = sorted((w for w in name_a & name_b if w not in generic), key=rank)
    in_bodies = sorted((w for w in (body_a & body_b) - set(in_names) if w not in generic),
                       key=lambda w: (-len(w), w))
    return (in_names + in_bodies)[:MAX_EVIDENCE]


def _relation(score: float, name_cos: float, body_cos: float) -> str | None:
    if score < RELATED_THRESHOLD:
        return None
    if score < LINK_THRESHOLD:
        return "related"
    return "same" if name_cos >= SAME_NAME and body_cos >= SAME_BODY else "evolution"


def link_measures(
    docs: list[ParsedDocument], themes: dict[MeasureKey, list[str]] | None = None
) -> list[Link]:
    """All cross-document links among the measures of `docs`, sorted by (source, target)."""
    themes = themes or {}
    order = _doc_order(docs)
    measures = [m for d in docs for m in d.measures]
    if not measures:
        return []
    groups = [order[m.doc_id][0] for m in measures]
    names, name_idf = similarity.tfidf_matrix(
        [similarity.name_features(m.name.clean) for m in measures], MAX_DF_RATIO)
    bodies, _ = similarity.tfidf_matrix(
        [similarity.body_features(m.practice.clean) for m in measures], MAX_DF_RATIO)
    combined = similarity.sparse.hstack(
        [names * NAME_WEIGHT**0.5, bodies * BODY_WEIGHT**0.5], format="csr")
    floor = RELATED_THRESHOLD - AGENCY_BONUS - PLACE_BONUS - THEME_BONUS

    best: dict[tuple, tuple[float, Link]] = {}
    for i, j, text_score in similarity.similar_pairs(combined, groups, floor):
        a, b = measures[i], measures[j]
        later, earlier = (a, b) if order[a.doc_id] > order[b.doc_id] else (b, a)
        ka, kb = measure_key(later), measure_key(earlier)
        bonus, context_terms = _context(later, earlier, themes.get(ka, ()), themes.get(kb, ()))
        score = min(1.0, text_score + bonus)
        name_cos = float(names[i].multiply(names[j]).sum())
        body_cos = float(bodies[i].multiply(bodies[j]).sum())
        relation = _relation(score, name_cos, body_cos)
        if relation is None:
            continue
        evidence = tuple(sorted(set(_shared_terms(later, earlier, name_idf) + context_terms)))
        link = Link(ka, kb, relation, round(score, 3), METHOD, evidence)
        # one link per (item, counterpart) pair: the best-scoring task row represents the item
        slot = (ka[:2], kb[:2])
        if slot not in best or (score, ka, kb) > (best[slot][0], best[slot][1].source_key,
                                                   best[slot][1].target_key):
            best[slot] = (score, link)
    return sorted((link for _, link in best.values()),
                  key=lambda x: (_sort_key(x.source_key), _sort_key(x.target_key)))


def _sort_key(key: MeasureKey) -> tuple:
    doc, number, part = key
    return (doc, int(number) if number.isdigit() else 10**9, number, part or 0)


def _iri(key: MeasureKey) -> URIRef:
    return measure_iri(key[0], key[1], key[2])


def link_triples(links: list[Link], docs: list[ParsedDocument] | None = None) -> list[tuple]:
    """Direct properties (for property paths such as evolvesFrom+) and a qualified rk:MeasureLink.

    `docs` is accepted for symmetry with the other stages; the links carry everything needed.
    """
    triples: list[tuple] = []
    for link in links:
        source, target = _iri(link.source_key), _iri(link.target_key)
        node = link_iri(source, target)
        triples.append((source, DIRECT_PROPERTIES[link.relation], target))
        triples += [
            (node, RDF.type, RK.MeasureLink),
            (node, RK.linkSource, source),
            (node, RK.linkTarget, target),
            (node, RK.relation, RELATION_TERMS[link.relation]),
            (node, RK.score, Literal(Decimal(f"{link.score:.3f}"), datatype=XSD.decimal)),
            (node, RK.method, Literal(link.method)),
        ]
        triples += [(node, RK.evidenceTerm, Literal(term)) for term in link.evidence]
    return triples


__all__ = ["Link", "link_measures", "link_triples", "measure_key", "METHOD", "LINK_THRESHOLD"]

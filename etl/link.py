"""Cross-batch links between measures: the same reform restated, an evolution, or related.

Method (docs/linking.md has the figures):
1. Features (etl/similarity.py): character bigrams and jieba words of the name's core (the name
   without its leading verb and trailing kind-word), character bigrams of the practice text.
   TF-IDF over all measures; features of a single measure and boilerplate (carried by more than
   MAX_DF_RATIO of the measures) are dropped. Texts are read in simplified characters
   (Text.simplified), so a measure printed in traditional characters links like its simplified
   printing.
2. Candidates: only pairs that share a rare feature (blocking on posting lists of at most
   BLOCK_MAX_DF measures), never two measures of one document. Each candidate is scored exactly:
   text score = NAME_WEIGHT·cos(name) + BODY_WEIGHT·cos(practice) — names weigh more than body.
3. Context: a shared lead agency, pilot place or theme adds a small bonus (and is evidence).
   The themes given are those each measure has by its own terms (the build passes
   reformkg.graph.pipeline.stages.link_themes: not those the theme model carried over from its
   nearest labelled examples, which would count the text similarity twice).
4. Relation, read off the score and the practice-text similarity:
   - counterpart when score >= LINK_THRESHOLD and cos(practice) >= BODY_GATE: a name match
     alone never makes a counterpart (the hard negatives share names: 直通车, 单一窗口, 一件事);
     it is the same reform restated when names and practice texts nearly coincide (SAME_NAME,
     SAME_BODY), otherwise an evolution (the later batch extends or deepens the earlier one);
   - related candidate when score >= RELATED_THRESHOLD and cos(practice) >= RELATED_BODY_GATE;
     it is kept only with evidence beyond shared topic words: a shared term of at least
     DISTINCT_MIN_CHARS characters (a name word or a practice phrase) that no other measure's
     name or practice text contains. Each measure keeps at most MAX_RELATED related links, the
     best-scoring ones.
5. Direction: documents are ordered by (batch_order, date, doc_id) from the manifest; an
   evolution points from the later measure to the earlier one (source rk:evolvesFrom target), and
   the earlier measure is the target of "same" and "related" links as well.

Multi-row reform items (sz-bizenv-2022-b1 items with several task rows) are linked row by row,
because the task row is the measure in the graph (its own IRI, agencies and deadline). When
several rows of one item match the same counterpart item, only the best-scoring pair of rows
keeps the link, so an item of four identically named rows does not produce four copies of one
link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse

from reformkg.etl import similarity
from reformkg.etl.records import Measure, ParsedDocument
from reformkg.vocab import measure_path

MeasureKey = tuple[str, str, int | None]
SortKey = tuple[str, int, str, int]  # doc, number as an int (10**9 if none), number, part
_Slot = tuple[tuple[str, str], tuple[str, str]]  # (item, counterpart item)

METHOD = "char-bigram-tfidf+jieba-name/v3"
NAME_WEIGHT = 0.45
BODY_WEIGHT = 0.55
MAX_DF_RATIO = 0.05
BLOCK_MAX_DF = 30
PREFILTER = 0.03  # partial (rare-feature) score a pair needs to be scored exactly
LINK_THRESHOLD = 0.24
BODY_GATE = 0.21
RELATED_THRESHOLD = 0.15
RELATED_BODY_GATE = 0.08
DISTINCT_MIN_CHARS = 4  # a related link needs a shared term this long, unique to the pair
NAME_IN_SETTING = 0.55
NAMED_MIN_CHARS = 4
SAME_NAME = 0.35
SAME_BODY = 0.45
AGENCY_BONUS = 0.08
PLACE_BONUS = 0.05
THEME_BONUS = 0.08
MAX_EVIDENCE = 8
MAX_RELATED = 8  # related links kept per measure (the best-scoring ones)

RELATIONS = ("same", "evolution", "related")


STATUSES = ("machine", "confirmed", "added")


@dataclass(frozen=True)
class Link:
    """One cross-batch link; for "evolution" the source is the later measure.

    `status` says who stands behind it: the linker alone ("machine"), a curator who confirmed
    the linker's link ("confirmed"), or a curator who added it ("added", score None: the
    linker did not propose it). See etl/reviews.py."""

    source_key: MeasureKey
    target_key: MeasureKey
    relation: str  # same | evolution | related
    score: float | None  # 3 decimals; None for a link only a curator made
    method: str
    evidence: tuple[str, ...]  # shared terms, sorted
    status: str = "machine"
    #: the two similarities behind the score (not in the graph; `reformkg links review` ranks
    #: links by them: near a threshold, or names and texts disagreeing)
    name_cos: float | None = field(default=None, compare=False)
    body_cos: float | None = field(default=None, compare=False)


def measure_key(m: Measure) -> MeasureKey:
    return (m.doc_id, m.number, m.part)


def doc_order(docs: Sequence[ParsedDocument]) -> dict[str, int]:
    """Rank of each document: batch order, then date, then id (a total, stable order)."""
    keys = sorted((d.meta.batch_order, d.meta.date or "", d.meta.doc_id) for d in docs)
    return {k[2]: rank for rank, k in enumerate(keys)}


def classify(
    score: float,
    name_cos: float,
    body_cos: float,
    earlier_planned: bool = False,
    same_setting: bool = False,
    names_earlier: bool = False,
) -> str | None:
    """The relation a pair's similarities imply, or None for no link.

    `earlier_planned`: the earlier measure is a task with a deadline (a plan); when it comes back
    in a later batch it is reported as done and extended, so it is an evolution, never "same".
    `same_setting`: both name the same pilot place and share a theme; then a strong name match
    is enough even when the practice text was rewritten (厦门's 优化航运全链条综合服务 and
    强化航运全链条服务集成 share almost no practice wording).
    `names_earlier`: the later practice text names the earlier measure (its whole name core, at
    least NAMED_MIN_CHARS characters: 深化船舶“不停运办证”), which is a counterpart whatever the
    scores say.
    """
    counterpart = (
        (score >= LINK_THRESHOLD and body_cos >= BODY_GATE)
        or (same_setting and name_cos >= NAME_IN_SETTING)
        or names_earlier
    )
    if counterpart:
        same = name_cos >= SAME_NAME and body_cos >= SAME_BODY and not earlier_planned
        return "same" if same else "evolution"
    if score >= RELATED_THRESHOLD and body_cos >= RELATED_BODY_GATE:
        return "related"
    return None


def _agencies(m: Measure) -> set[str]:
    return {a.canonical for a in m.lead if a.level != "collective"}


def _stated_places(m: Measure) -> set[str]:
    """Pilot places the row itself names (来源); places inferred from a list's jurisdiction are
    the same for every row of the list and say nothing about which reform it is."""
    return set(m.places) if m.places_raw.strip() else set()


def _context(
    a: Measure, b: Measure, themes_a: Sequence[str], themes_b: Sequence[str]
) -> tuple[float, list[str], bool]:
    """Bonus and evidence terms from shared lead agencies, pilot places and themes.

    The flag says whether the two share both a pilot place and a theme (the same setting).
    """
    bonus = 0.0
    terms: list[str] = []
    shared_agencies = _agencies(a) & _agencies(b)
    if shared_agencies:
        bonus += AGENCY_BONUS
        terms += [f"agency:{x}" for x in sorted(shared_agencies)]
    shared_places = _stated_places(a) & _stated_places(b)
    if shared_places:
        bonus += PLACE_BONUS
        terms += [f"place:{x}" for x in sorted(shared_places)]
    shared_themes = set(themes_a) & set(themes_b)
    if shared_themes:
        bonus += THEME_BONUS
        terms += [f"theme:{x}" for x in sorted(shared_themes)]
    return bonus, terms, bool(shared_places and shared_themes)


_PUNCT = re.compile(r"[\s“”\"'‘’「」《》（）()、，,：:]")


def _names(later: Measure, earlier: Measure) -> bool:
    """Whether the later practice text names the earlier measure (its whole name core)."""
    core = similarity.name_core(earlier.name.simplified)
    return len(core) >= NAMED_MIN_CHARS and core in _PUNCT.sub("", later.practice.simplified)


def _evidence(later: Measure, earlier: Measure) -> list[str]:
    """Shared name words first, then the longest phrases the practice texts share."""
    name_a = set(similarity.words(similarity.name_core(later.name.simplified)))
    name_b = set(similarity.words(similarity.name_core(earlier.name.simplified)))
    in_names = sorted(
        (w for w in name_a & name_b if w not in similarity.GENERIC_WORDS),
        key=lambda w: (-len(w), w),
    )
    phrases = similarity.shared_phrases(later.practice.simplified, earlier.practice.simplified)
    if not in_names and not phrases:  # only short words in common: show those
        phrases = similarity.shared_phrases(
            later.name.simplified + "。" + later.practice.simplified,
            earlier.name.simplified + "。" + earlier.practice.simplified,
            min_len=2,
        )
    out = list(dict.fromkeys(in_names + phrases))
    return out[:MAX_EVIDENCE]


@dataclass
class _Scored:
    i: np.ndarray
    j: np.ndarray
    name_cos: np.ndarray
    body_cos: np.ndarray


def score_candidates(measures: Sequence[Measure], groups: Sequence[int]) -> _Scored:
    """Exact name and practice cosines of every candidate pair (blocking on rare features)."""
    names, name_df, _ = similarity.tfidf_matrix(
        [similarity.name_features(m.name.simplified) for m in measures],
        MAX_DF_RATIO,
        singletons_in_norm=True,
    )
    bodies, body_df, _ = similarity.tfidf_matrix(
        [similarity.body_features(m.practice.simplified) for m in measures], MAX_DF_RATIO
    )
    combined = sparse.hstack([names * NAME_WEIGHT**0.5, bodies * BODY_WEIGHT**0.5], format="csr")
    rare = np.concatenate([name_df, body_df]) <= BLOCK_MAX_DF
    blocking = combined[:, np.flatnonzero(rare)].tocsr()
    parts = list(similarity.candidate_pairs(blocking, groups, PREFILTER))
    i = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    j = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    return _Scored(i, j, similarity.rowwise_dot(names, i, j), similarity.rowwise_dot(bodies, i, j))


def link_measures(
    docs: list[ParsedDocument], themes: dict[MeasureKey, list[str]] | None = None
) -> list[Link]:
    """All cross-document links among the measures of `docs`, sorted by (source, target)."""
    themes = themes or {}
    order = doc_order(docs)
    measures = [m for d in docs for m in d.measures]
    if not measures:
        return []
    scored = score_candidates(measures, [order[m.doc_id] for m in measures])
    text = NAME_WEIGHT * scored.name_cos + BODY_WEIGHT * scored.body_cos
    floor = RELATED_THRESHOLD - AGENCY_BONUS - PLACE_BONUS - THEME_BONUS
    worth = np.flatnonzero(
        ((text >= floor) & (scored.body_cos >= RELATED_BODY_GATE))
        | (scored.name_cos >= NAME_IN_SETTING)
    )

    best: dict[_Slot, tuple[tuple[float, SortKey, SortKey], Link]] = {}
    for k in worth.tolist():
        a, b = measures[int(scored.i[k])], measures[int(scored.j[k])]
        later, earlier = (a, b) if order[a.doc_id] > order[b.doc_id] else (b, a)
        ka, kb = measure_key(later), measure_key(earlier)
        bonus, context, setting = _context(later, earlier, themes.get(ka, ()), themes.get(kb, ()))
        score = round(min(1.0, float(text[k]) + bonus), 3)
        relation = classify(
            score,
            float(scored.name_cos[k]),
            float(scored.body_cos[k]),
            bool(earlier.deadline_text),
            setting,
            _names(later, earlier),
        )
        if relation is None:
            continue
        link = Link(
            ka,
            kb,
            relation,
            score,
            METHOD,
            tuple(context),
            name_cos=round(float(scored.name_cos[k]), 3),
            body_cos=round(float(scored.body_cos[k]), 3),
        )
        slot = (ka[:2], kb[:2])  # one link per (item, counterpart item)
        rank = (score, sort_key(ka), sort_key(kb))
        if slot not in best or rank > best[slot][0]:
            best[slot] = (rank, link)
    by_key = {measure_key(m): m for m in measures}
    row = {measure_key(m): i for i, m in enumerate(measures)}
    index = similarity.NgramIndex(
        [m.name.simplified + "。" + m.practice.simplified for m in measures], DISTINCT_MIN_CHARS
    )
    sharing = index.unique_pairs()

    def may_keep(x: Link) -> bool:
        """A related link needs a term unique to its pair, which (almost always) holds a run of
        DISTINCT_MIN_CHARS characters no other measure has: pairs without one are not read."""
        a, b = sorted((row[x.source_key], row[x.target_key]))
        return x.relation != "related" or (a, b) in sharing

    # shared phrases are read for the links that may be kept only: jieba on both texts is the
    # costly part; a related link needs them first, to show a term unique to the pair
    candidates = [
        _with_phrases(x, by_key[x.source_key], by_key[x.target_key])
        for x in _through_lineage([x for _, x in best.values()])
        if may_keep(x)
    ]
    kept = _cap_related(
        x for x in candidates if x.relation != "related" or _any_unique(x, index, row)
    )
    return sorted(kept, key=lambda x: (sort_key(x.source_key), sort_key(x.target_key)))


def _any_unique(link: Link, index: similarity.NgramIndex, row: dict[MeasureKey, int]) -> bool:
    """Whether the link's evidence holds a term of DISTINCT_MIN_CHARS or more characters that no
    measure but its two contains.

    Why: a related link on shared topic words alone (船舶, 私募基金, 营业执照) joined most of the
    hard negatives; a term of four or more characters that only the two measures use (职务科技成果,
    数字人民币, 法院电子卷宗) is evidence that they touch the same instrument.
    """
    pair = {row[link.source_key], row[link.target_key]}
    for term in link.evidence:
        if ":" in term or len(term) < DISTINCT_MIN_CHARS:
            continue
        if index.holders(term) <= pair:
            return True
    return False


def _with_phrases(link: Link, later: Measure, earlier: Measure) -> Link:
    """The link with the shared words and phrases added to its context evidence, sorted."""
    return replace(
        link, evidence=tuple(sorted(set(link.evidence) | set(_evidence(later, earlier))))
    )


def _through_lineage(links: list[Link]) -> list[Link]:
    """A related link becomes an evolution when a middle measure continues one and is continued
    by the other: the later measure evolves from the middle one, which evolves from the earlier.

    Why: a reform that passes through three batches drifts; the first and third texts may share
    too little wording for a counterpart on their own (厦门's 2024 混合产业用地供应 and Shenzhen's
    2022 单宗土地混合利用, through 2023's 二三产业混合用地), yet the lineage says they are one
    reform. Only a pair already linked as related is upgraded, never an unrelated pair; the
    middle measure is kept as evidence (via:…).
    """
    later_of: dict[MeasureKey, set[MeasureKey]] = {}
    earlier_of: dict[MeasureKey, set[MeasureKey]] = {}
    for x in links:
        if x.relation != "related":
            earlier_of.setdefault(x.source_key, set()).add(x.target_key)
            later_of.setdefault(x.target_key, set()).add(x.source_key)
    out: list[Link] = []
    for x in links:
        if x.relation == "related":
            middle = earlier_of.get(x.source_key, set()) & later_of.get(x.target_key, set())
            if middle:
                via = tuple(f"via:{measure_path(*k)}" for k in sorted(middle, key=sort_key))
                x = replace(x, relation="evolution", evidence=x.evidence + via)
        out.append(x)
    return out


def _cap_related(links: Iterable[Link]) -> list[Link]:
    """Keep every counterpart, and at most MAX_RELATED related links per measure, best first.

    "Related" is the weakest claim; a measure with dozens of topical neighbours (common in a
    large collection) would bury its real counterparts on its page and in the evolution view.
    """
    links = list(links)
    kept = [x for x in links if x.relation != "related"]
    count: dict[MeasureKey, int] = {}
    related = sorted(
        (x for x in links if x.relation == "related"),
        key=lambda x: (-(x.score or 0.0), sort_key(x.source_key), sort_key(x.target_key)),
    )
    for x in related:
        if count.get(x.source_key, 0) < MAX_RELATED and count.get(x.target_key, 0) < MAX_RELATED:
            kept.append(x)
            count[x.source_key] = count.get(x.source_key, 0) + 1
            count[x.target_key] = count.get(x.target_key, 0) + 1
    return kept


def sort_key(key: MeasureKey) -> SortKey:
    doc, number, part = key
    return (doc, int(number) if number.isdigit() else 10**9, number, part or 0)


__all__ = [
    "Link",
    "link_measures",
    "measure_key",
    "classify",
    "doc_order",
    "METHOD",
    "LINK_THRESHOLD",
    "RELATED_THRESHOLD",
]

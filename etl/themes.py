"""Build time: which themes of ontology/themes.ttl a measure concerns, and the evidence for each.

The vocabulary is data, not code: every Chinese label of a concept in the theme scheme —
skos:prefLabel, skos:altLabel and skos:hiddenLabel, in either script — is a term the classifier
looks for, so an analyst reviews and extends it in the Turtle file and rebuilds (docs/themes.md).
This module only knows how to match and score.

Matching is Chinese-aware forward maximum matching over the vocabulary (the classic dictionary
segmentation): at each position the longest term wins and is consumed, so 知识产权证券化 counts
once for IP securitisation and not again as 知识产权, and 国家税务总局 is not three hits. Text is
read in simplified characters (reformkg.script: a traditional printing finds the same terms),
NFKC-normalised (full-width Latin and digits become ASCII), and whitespace is removed (PDF
letter-spacing such as 二 三 产 业 would otherwise hide terms).

Evidence: each distinct term found in a field counts the field's weight (FIELD_WEIGHTS):
- name 3, practice 1, effect 0.5: the name states what the measure is about; the practice text
  and the effect name its means and its other topics;
- lead agency 1.5, responsible agency 0.5: the vocabulary's terms in the canonical names of the
  bodies in charge (a court, 法院, as lead agency is evidence for judicial; 港澳事务办公室 for Hong
  Kong and Macao). An agency is supporting evidence only: a theme needs a term in the text.
A top concept's family gathers the evidence of its narrower concepts (the SKOS hierarchy: each
term once; a concept under two top concepts counts for both). The candidates are the families
with a term in the name, practice or effect.

Which candidates are themes:
- with labelled examples (the build's case: data/theme_examples.csv), the model of
  etl/theme_model.py decides, from the evidence and the nearest examples (FamilyScorer);
- without, the term rule: a family is kept when its score is at least MIN_SCORE and either it
  is named in the measure's name or it has at least RELATIVE x the best family's score; at most
  MAX_HITS themes; when nothing reaches MIN_SCORE, the best candidate alone. Its values were
  set on the development half of the blind labels (top concepts micro-F1 0.881 there) and gave
  0.802 on the held-out half: docs/themes.md.
Within a kept family the most specific concepts that are named in the measure's name, or carry
at least SPECIFIC_SHARE of the family's evidence, are reported instead of the top concept (the
build's OWL-RL inference adds the broader themes back through rk:hasTheme o skos:broader).

Stop terms are hidden labels of the scheme itself (not of a concept): phrases such as
公共服务平台 or 绿色通道 that contain a theme term but do not name the theme. They are matched
like terms, so they mask the shorter term, and count for nothing.
Everything is sorted, so the output is deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypedDict, TypeVar
from urllib.parse import unquote

from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from reformkg.etl.records import AgencyRef, Measure
from reformkg.script import to_simplified
from reformkg.vocab import ID, measure_path

__all__ = [
    "FIELD_WEIGHTS",
    "MAX_HITS",
    "MIN_SCORE",
    "RELATIVE",
    "Concept",
    "Evidence",
    "FamilyScorer",
    "ThemeHit",
    "Vocabulary",
    "agency_names",
    "classify",
    "classify_all",
    "classify_measures",
    "classify_text",
    "find_evidence",
    "load_vocabulary",
    "measure_fields",
]

THEMES_FILE = "themes.ttl"
SCHEME_IRI = ID["theme/scheme"]
FIELD_WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "practice": 1.0,
    "effect": 0.5,
    "lead-agency": 1.5,
    "responsible-agency": 0.5,
}
FIELD_ORDER = tuple(FIELD_WEIGHTS)
TEXT_FIELDS = frozenset({"name", "practice", "effect"})  # a theme needs evidence in one of them
LABELS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)  # every label of a concept is a term
MIN_SCORE = 2.0  # a name match, or two distinct practice terms
RELATIVE = 0.4  # a second theme not named in the name needs 40 % of the best theme's evidence
SPECIFIC_SHARE = 0.5  # a narrower concept replaces its top concept with half the evidence
MAX_HITS = 4
CHUNK = 512  # measures classified together (the model compares them with the examples at once)


@dataclass(frozen=True)
class Concept:
    id: str
    pref_zh: str
    pref_en: str
    broader: tuple[str, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """The theme scheme as the classifier needs it (built once per build)."""

    concepts: dict[str, Concept]
    tops: dict[str, tuple[str, ...]]  # concept id -> the top concepts above it (itself if top)
    term_concepts: dict[str, tuple[str, ...]]  # normalised term -> concepts (none: stop term)
    by_first_char: dict[str, tuple[str, ...]]  # first char -> terms, longest first
    #: the same as one regex: per first character, the rest of its terms longest first (the
    #: first alternative that matches is the longest term, as in the loop of _match's docstring)
    pattern: re.Pattern[str] = re.compile("(?!)")

    def ancestors(self, concept_id: str) -> set[str]:
        """The concept and every concept above it (SKOS broader, transitively)."""
        seen: set[str] = set()
        todo = [concept_id]
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(self.concepts[c].broader)
        return seen


@dataclass(frozen=True)
class ThemeHit:
    theme_id: str
    score: float  # the model's probability, or the term rule's weighted evidence
    terms: tuple[str, ...]
    fields: tuple[str, ...]
    examples: tuple[str, ...] = ()  # labelled examples (measure paths) that had the theme
    #: the term rule alone gives the theme too: it rests on the measure's own terms, not on the
    #: labels of its nearest examples (the linker counts only such themes as shared context)
    own_terms: bool = True


def normalise(text: str) -> str:
    """Simplified characters, NFKC, upper-case Latin, no whitespace: the form both terms and
    texts are matched in (so a traditional printing finds the same terms)."""
    return "".join(unicodedata.normalize("NFKC", to_simplified(text)).upper().split())


def _concept_id(iri: Node) -> str:
    return unquote(str(iri).removeprefix(str(ID) + "theme/"))


def _chinese(label: Node) -> bool:
    return isinstance(label, Literal) and (label.language or "").lower().split("-")[0] == "zh"


def load_vocabulary(ontology_dir: Path) -> Vocabulary:
    """Read the theme scheme and its labels (all of them, Chinese, either script) from
    `ontology_dir/themes.ttl`."""
    g = Graph()
    g.parse(Path(ontology_dir) / THEMES_FILE, format="turtle")
    concepts: dict[str, Concept] = {}
    in_scheme = {s for s in g.subjects(SKOS.inScheme, SCHEME_IRI) if isinstance(s, URIRef)}
    for iri in sorted(in_scheme):
        if (iri, RDF.type, SKOS.Concept) not in g:
            continue
        preferred = [lit for lit in g.objects(iri, SKOS.prefLabel) if isinstance(lit, Literal)]
        terms = {normalise(str(t)) for p in LABELS for t in g.objects(iri, p) if _chinese(t)}
        concepts[_concept_id(iri)] = Concept(
            id=_concept_id(iri),
            pref_zh=min((str(lit) for lit in preferred if _chinese(lit)), default=""),
            pref_en=min((str(lit) for lit in preferred if lit.language == "en"), default=""),
            broader=tuple(sorted(_concept_id(b) for b in g.objects(iri, SKOS.broader))),
            terms=tuple(sorted(terms - {""})),
        )
    stop = {normalise(str(t)) for t in g.objects(SCHEME_IRI, SKOS.hiddenLabel) if _chinese(t)}
    stop -= {""}
    return build_vocabulary(concepts.values(), stop)


def build_vocabulary(concepts: Iterable[Concept], stop_terms: Iterable[str] = ()) -> Vocabulary:
    """Index concepts for matching; separate from loading so tests can build small ones."""
    by_id = {c.id: c for c in concepts}
    term_concepts: dict[str, set[str]] = {t: set() for t in stop_terms}
    for c in by_id.values():
        for t in c.terms:
            term_concepts.setdefault(t, set()).add(c.id)
    first: dict[str, list[str]] = {}
    for t in term_concepts:
        first.setdefault(t[0], []).append(t)
    by_first_char = {
        ch: tuple(sorted(ts, key=lambda t: (-len(t), t))) for ch, ts in sorted(first.items())
    }
    vocab = Vocabulary(
        concepts=by_id,
        tops={},
        term_concepts={t: tuple(sorted(cs)) for t, cs in sorted(term_concepts.items())},
        by_first_char=by_first_char,
        pattern=_pattern(by_first_char),
    )
    for cid in by_id:
        vocab.tops[cid] = tuple(sorted(a for a in vocab.ancestors(cid) if not by_id[a].broader))
    return vocab


def _pattern(by_first_char: Mapping[str, Sequence[str]]) -> re.Pattern[str]:
    """by_first_char as one regex: `ch(?:rest1|rest2|…)` per first character, the rests longest
    first (a one-character term's empty rest last), so the regex engine's first matching
    alternative is the loop's longest term."""
    if not by_first_char:
        return re.compile("(?!)")  # no terms: matches nothing
    return re.compile(
        "|".join(
            re.escape(ch) + "(?:" + "|".join(re.escape(t[1:]) for t in terms) + ")"
            for ch, terms in by_first_char.items()
        )
    )


def find_terms(text: str, vocab: Vocabulary) -> list[str]:
    """Vocabulary terms in `text` by forward maximum matching (longest term at each position)."""
    return _match(normalise(text), vocab)


def _match(s: str, vocab: Vocabulary) -> list[str]:
    """find_terms of a text already normalised: at each position the longest term starting
    there is taken and consumed, else the next position is tried. Done by vocab.pattern (its
    scan is the same forward maximum matching, in C: the loop below was 10 s of a 100× build);
    the loop is kept as the definition, `_match_loop`, that tests compare it with."""
    return vocab.pattern.findall(s)


def _match_loop(s: str, vocab: Vocabulary) -> list[str]:
    """Forward maximum matching, one position at a time (what vocab.pattern does)."""
    found: list[str] = []
    i = 0
    while i < len(s):
        for term in vocab.by_first_char.get(s[i], ()):
            if s.startswith(term, i):
                found.append(term)
                i += len(term)
                break
        else:
            i += 1
    return found


Pair = tuple[str, str]  # (term, field)


@dataclass(frozen=True)
class Evidence:
    """What the vocabulary found in one measure: distinct (term, field) pairs per concept and
    per top concept (a family holds the pairs of every concept under it, each term once)."""

    by_concept: dict[str, frozenset[Pair]]
    by_family: dict[str, frozenset[Pair]]
    texts: dict[str, str]  # each field as matched (normalised), for whatever reads it next

    def candidates(self) -> list[tuple[float, str]]:
        """(weighted score, family) of the families with a term in the name, practice or
        effect, best first: only these can become themes (an agency alone is no theme)."""
        return sorted(
            (
                (score(ev), top)
                for top, ev in self.by_family.items()
                if any(f in TEXT_FIELDS for _, f in ev)
            ),
            key=lambda x: (-x[0], x[1]),
        )


def score(pairs: Iterable[Pair]) -> float:
    """The weighted evidence of (term, field) pairs: each pair counts its field's weight."""
    return sum(FIELD_WEIGHTS[f] for _, f in pairs)


def find_evidence(fields: Mapping[str, str], vocab: Vocabulary) -> Evidence:
    """The vocabulary's terms in each field of FIELD_WEIGHTS (the agency fields hold the
    bodies' canonical names), gathered per concept and per family."""
    by_concept: dict[str, set[Pair]] = {}
    by_family: dict[str, set[Pair]] = {}
    texts = {fld: normalise(fields.get(fld) or "") for fld in FIELD_ORDER}
    for fld in FIELD_ORDER:
        for term in _match(texts[fld], vocab):
            for cid in vocab.term_concepts[term]:
                by_concept.setdefault(cid, set()).add((term, fld))
                for top in vocab.tops[cid]:
                    by_family.setdefault(top, set()).add((term, fld))
    return Evidence(
        {c: frozenset(ev) for c, ev in sorted(by_concept.items())},
        {t: frozenset(ev) for t, ev in sorted(by_family.items())},
        texts,
    )


Kept = list[tuple[float, str, tuple[str, ...]]]  # (score, family, example ids), best first


class FamilyScorer(Protocol):
    """What decides which candidate families are themes (etl/theme_model.ThemeModel)."""

    def decide_all(
        self, measures: Sequence[tuple[Mapping[str, str], Evidence]], names: Sequence[str] = ()
    ) -> list[Kept]:
        """The kept families of each (fields, evidence), in one pass over all measures (`names`:
        their measure paths, so that a measure that is an example is not its own evidence)."""
        ...


def rule_families(evidence: Evidence) -> Kept:
    """The term rule, used when there are no labelled examples to learn from: a family is kept
    when its score is at least MIN_SCORE and it is named in the name or has RELATIVE x the
    best family's score; at most MAX_HITS; the best candidate alone when none qualifies."""
    families = evidence.candidates()
    if not families:
        return []
    best = families[0][0]
    kept = [
        (s, top)
        for s, top in families
        if s >= MIN_SCORE
        and (s >= RELATIVE * best or any(f == "name" for _, f in evidence.by_family[top]))
    ]
    return [(s, top, ()) for s, top in (kept[:MAX_HITS] or families[:1])]


def classify_text(
    fields: Mapping[str, str], vocab: Vocabulary, model: FamilyScorer | None = None
) -> list[ThemeHit]:
    """Themes for a measure given as {field: text} (fields of FIELD_WEIGHTS), best first."""
    return classify_all([fields], vocab, model)[0]


def classify_all(
    texts: Sequence[Mapping[str, str]],
    vocab: Vocabulary,
    model: FamilyScorer | None = None,
    names: Sequence[str] = (),
) -> list[list[ThemeHit]]:
    """Themes of each measure given as {field: text}, best first (`names`: the measures' paths,
    when they are measures of a collection).

    Which families are themes: the model's decision when one is given (learned from labelled
    examples, etl/theme_model.py; it compares CHUNK measures at a time with the examples, so
    memory does not grow with the collection), otherwise the term rule. Within a kept family the
    most specific concepts named in the measure's name, or carrying SPECIFIC_SHARE of the
    family's evidence, are reported instead of the top concept. The term rule runs in both
    cases: a model's hit says whether the rule gives it too (ThemeHit.own_terms), because a theme
    the nearest examples carried over is no evidence for linking a measure to those examples.
    """
    out: list[list[ThemeHit]] = []
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        found = [find_evidence(fields, vocab) for fields in chunk]
        by_rule = [_hits(evidence, rule_families(evidence), vocab) for evidence in found]
        if model is None:
            out += by_rule
            continue
        decided = model.decide_all(
            list(zip(chunk, found, strict=True)), names[start : start + CHUNK]
        )
        out += [
            _hits(evidence, kept, vocab, own={h.theme_id for h in rule})
            for evidence, kept, rule in zip(found, decided, by_rule, strict=True)
        ]
    return out


def _hits(
    evidence: Evidence, kept: Kept, vocab: Vocabulary, *, own: set[str] | None = None
) -> list[ThemeHit]:
    """The hits of the kept families. Without `own` they are the term rule's: each concept
    scores its own evidence. With it they are the model's: a family's probability is the score
    of the concepts reported for it, and `own` (the term rule's themes of the same measure) says
    which of them rest on the measure's own terms (ThemeHit.own_terms)."""
    hits: dict[str, ThemeHit] = {}
    for value, top, examples in kept:
        family = evidence.by_family[top]
        for cid in _specific(evidence, top, vocab) or [top]:
            ev = family if cid == top else evidence.by_concept[cid]
            if own is None:
                hit = _hit(cid, score(ev), ev, examples, own_terms=True)
            else:
                hit = _hit(cid, value, ev, examples, own_terms=cid in own)
            if cid not in hits or hits[cid].score < hit.score:
                hits[cid] = hit
    ordered = sorted(hits.values(), key=lambda h: (-h.score, h.theme_id))
    return ordered[:MAX_HITS]


def _specific(evidence: Evidence, top: str, vocab: Vocabulary) -> list[str]:
    """The most specific concepts under `top` named in the name or carrying SPECIFIC_SHARE of
    the family's evidence (none: the top concept is reported)."""
    family_score = score(evidence.by_family[top])
    strong = [
        cid
        for cid, ev in evidence.by_concept.items()
        if cid != top
        and top in vocab.tops[cid]
        and (any(f == "name" for _, f in ev) or score(ev) >= SPECIFIC_SHARE * family_score)
    ]
    return sorted(
        cid for cid in strong if not any(o != cid and cid in vocab.ancestors(o) for o in strong)
    )


def _hit(
    theme_id: str, value: float, ev: Iterable[Pair], examples: tuple[str, ...], *, own_terms: bool
) -> ThemeHit:
    pairs = set(ev)
    fields = {f for _, f in pairs}
    return ThemeHit(
        theme_id=theme_id,
        score=round(value, 2),
        terms=tuple(sorted({t for t, _ in pairs})),
        fields=tuple(f for f in FIELD_ORDER if f in fields),
        examples=examples,
        own_terms=own_terms,
    )


def agency_names(refs: Iterable[AgencyRef]) -> str:
    """The canonical names of the bodies, joined by 、 (collective entries such as 各区政府
    name no body and are not read)."""
    return "、".join(r.canonical for r in refs if r.level != "collective")


def measure_fields(measure: Measure) -> dict[str, str]:
    """The texts the classifier reads, by field: name, practice and effect in simplified
    characters, and the canonical names of the lead and responsible agencies."""
    return {
        "name": measure.name.simplified,
        "practice": measure.practice.simplified,
        "effect": measure.effect.simplified if measure.effect is not None else "",
        "lead-agency": agency_names(measure.lead),
        "responsible-agency": agency_names(measure.responsible),
    }


def classify(
    measure: Measure, vocab: Vocabulary, model: FamilyScorer | None = None
) -> list[ThemeHit]:
    """Themes of one measure from its name, practice and effect texts and its lead and
    responsible agencies (best first)."""
    return classify_measures([measure], vocab, model)[0]


def classify_measures(
    measures: Sequence[Measure], vocab: Vocabulary, model: FamilyScorer | None = None
) -> list[list[ThemeHit]]:
    """Themes of each measure (classify for many: the model compares them in one pass; a
    measure that is one of the model's examples is decided by the other examples)."""
    names = [measure_path(m.doc_id, m.number, m.part) for m in measures]
    return classify_all([measure_fields(m) for m in measures], vocab, model, names)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int  # gold pairs


def _prf(tp: int, fp: int, fn: int) -> Scores:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(round(p, 4), round(r, 4), round(f, 4), tp + fn)


class Evaluation(TypedDict):
    per_theme: dict[str, Scores]
    micro: Scores
    macro: Scores


_Key = TypeVar("_Key", bound=Hashable)  # what names a labelled measure, e.g. (doc, number, part)


def evaluate(
    gold: Mapping[_Key, Iterable[str]],
    predicted: Mapping[_Key, Iterable[str]],
    vocab: Vocabulary,
    *,
    top_only: bool = False,
) -> Evaluation:
    """Per-theme and micro/macro precision, recall, F1 of predicted against gold theme sets.

    Both sides are closed under skos:broader first, as a query with inference sees them: a
    measure labelled IP securitisation also counts for IP and finance. With `top_only` only
    the top concepts are compared. Keys of `gold` are the labelled measures; a key missing
    from `predicted` counts as predicting nothing.
    """

    def close(ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for i in ids:
            out |= vocab.ancestors(i)
        return {i for i in out if not vocab.concepts[i].broader} if top_only else out

    counts: dict[str, list[int]] = {}
    for key, labels in gold.items():
        g, p = close(labels), close(predicted.get(key, ()))
        for t in g | p:
            c = counts.setdefault(t, [0, 0, 0])
            c[0] += t in g and t in p
            c[1] += t in p and t not in g
            c[2] += t in g and t not in p
    per_theme = {t: _prf(*c) for t, c in sorted(counts.items())}
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    n = len(per_theme) or 1
    macro = Scores(
        round(sum(s.precision for s in per_theme.values()) / n, 4),
        round(sum(s.recall for s in per_theme.values()) / n, 4),
        round(sum(s.f1 for s in per_theme.values()) / n, 4),
        fn + tp,
    )
    return {"per_theme": per_theme, "micro": _prf(tp, fp, fn), "macro": macro}

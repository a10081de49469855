"""Build time: which candidate themes a measure has, learned from labelled examples.

The vocabulary (etl/themes.py) finds the candidates — every top concept with a term in the
measure's name, practice or effect — and the evidence for each. Which candidates are themes is
learned from measures a person has read and labelled (data/theme_examples.csv, made blind:
tests/data/theme_labels_blind.md), so the weights and the cut-off are fitted to how readers
assign themes instead of set by hand, and measured out of sample (bench/eval_themes.py --cv).

For a measure and a candidate family, the model reads (FEATURES):
- how many distinct terms of the family are in each field (log 1+n): name, practice, effect,
  lead agency, responsible agency;
- the family's share of the measure's best weighted evidence, and whether it is the best;
- what the labelled examples most like the measure say: of its K_NEIGHBOURS nearest examples
  (cosine of TF-IDF character bigrams of the name, counted twice, the practice and the effect)
  the similarity-weighted share that have the family, alone and times the nearest similarity.
  The nearest examples of a restated reform (a later batch, another task row of the same item)
  carry its themes over; others carry how readers treat such texts (an online service is also
  government services; 香港 in the practice text is a Hong Kong and Macao topic).

A logistic regression over these features (L2, Newton's method, so training is exact and
deterministic) gives each candidate a probability; the candidates at or above THRESHOLD are
kept, at most MAX_HITS, and the best candidate alone when none is (so a measure with a term in
its text is never left without a theme). The examples behind a kept theme (those of the nearest
ones that have it) are its evidence beside the terms.

Why these values (bench/eval_themes.py --cv 5, three seeds, 200 blind labels; figures in
docs/themes.md): the features and K_NEIGHBOURS = 5 were chosen on the folds; THRESHOLD 0.35
gave the best out-of-fold F1 with recall at 0.85 (0.30-0.40 within 0.005 of F1). Counts of
section-heading terms and separate name/practice similarities added nothing out of fold.
Everything is sorted and the model is refitted from the examples on every build: the same
examples and documents give the same themes.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from reformkg.errors import InputError
from reformkg.etl.records import Measure
from reformkg.etl.similarity import bigrams
from reformkg.etl.themes import (
    FIELD_ORDER,
    MAX_HITS,
    Evidence,
    Kept,
    Vocabulary,
    find_evidence,
    measure_fields,
)

__all__ = [
    "COLUMNS",
    "EXAMPLES_FILE",
    "FEATURES",
    "K_NEIGHBOURS",
    "THRESHOLD",
    "Example",
    "ThemeModel",
    "example_from_measure",
    "load_examples",
    "train",
]

EXAMPLES_FILE = "theme_examples.csv"
# The examples file: one labelled measure a row, its texts as printed and its themes.
COLUMNS = ("example", "themes", "name", "practice", "effect", "lead", "responsible")
_FIELD_OF_COLUMN = {
    "name": "name",
    "practice": "practice",
    "effect": "effect",
    "lead": "lead-agency",
    "responsible": "responsible-agency",
}
FEATURES = (*FIELD_ORDER, "share", "best", "examples", "examples x similarity")
K_NEIGHBOURS = 5
THRESHOLD = 0.35
L2 = 1.0  # ridge penalty on the weights (not the intercept)
BLOCK = 2048  # texts compared with the examples in one sparse product
NAME_REPEAT = 2  # the name's bigrams count twice in the similarity: it says what a measure is
FLOOR = 0.01  # the lowest score written (rk:themeScore is positive)


@dataclass(frozen=True)
class Example:
    """One labelled measure: an id (its measure path, e.g. sz-bizenv-2022-b1/7-1), the themes
    a reader gave it (concept ids; empty: none) and its texts by classifier field."""

    id: str
    themes: tuple[str, ...]
    fields: Mapping[str, str]


def example_from_measure(measure: Measure, themes: Iterable[str], example_id: str) -> Example:
    """A parsed measure with its labels as an example (for the examples file and the CV)."""
    return Example(example_id, tuple(themes), measure_fields(measure))


def load_examples(path: Path, vocab: Vocabulary) -> list[Example]:
    """The examples of `path` (COLUMNS; themes ';'-separated, `none` for none). A missing file
    gives none; a row that cannot be used stops the build with the file and line."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise InputError(str(path), 1, f"missing column(s) {', '.join(missing)}")
        examples: list[Example] = []
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            ex_id = (row["example"] or "").strip()
            if not ex_id or any(ch.isspace() for ch in ex_id) or ex_id in seen:
                raise InputError(str(path), line, f"example id {ex_id!r} empty, spaced or repeated")
            seen.add(ex_id)
            themes = tuple(t.strip() for t in (row["themes"] or "").split(";") if t.strip())
            themes = () if themes == ("none",) else themes
            unknown = [t for t in themes if t not in vocab.concepts]
            if not themes and (row["themes"] or "").strip() != "none":
                raise InputError(str(path), line, "no themes (write none for a measure without)")
            if unknown:
                raise InputError(str(path), line, f"themes not in the scheme: {', '.join(unknown)}")
            if not (row["name"] or "").strip():
                raise InputError(str(path), line, "the example has no name")
            fields = {fld: row[col] or "" for col, fld in _FIELD_OF_COLUMN.items()}
            examples.append(Example(ex_id, themes, fields))
    return examples


def _bag(texts: Mapping[str, str]) -> Counter[str]:
    """Character bigrams and Latin tokens (etl/similarity.bigrams) of the name, NAME_REPEAT
    times, the practice and the effect, from the evidence's normalised texts."""
    bag = Counter(bigrams(texts["name"]) * NAME_REPEAT)
    bag.update(bigrams(texts["practice"]))
    bag.update(bigrams(texts["effect"]))
    return bag


@dataclass(frozen=True)
class _Index:
    """TF-IDF of the examples' bags (features carried by two examples or more), as a
    features x examples matrix, so one sparse product compares many texts with every example."""

    columns: dict[str, int]
    idf: np.ndarray  # per column
    matrix_t: sparse.csr_matrix

    @classmethod
    def of(cls, bags: Sequence[Counter[str]]) -> _Index:
        df: Counter[str] = Counter()
        for bag in bags:
            df.update(bag.keys())
        kept = sorted(f for f, d in df.items() if d >= 2)
        columns = {f: i for i, f in enumerate(kept)}
        idf = np.asarray([math.log(len(bags) / df[f]) + 1.0 for f in kept], dtype=np.float64)
        return cls(columns, idf, _rows(bags, columns, idf).T.tocsr())

    def neighbours(
        self, bags: Sequence[Counter[str]], exclude: Sequence[int | None] = ()
    ) -> list[list[tuple[float, int]]]:
        """The K_NEIGHBOURS examples most like each bag (cosine > 0), most similar first; ties
        by position (cosines rounded to 9 places), so the order is deterministic. `exclude`
        gives, per bag, the example that is the bag itself (never its own neighbour)."""
        out: list[list[tuple[float, int]]] = []
        for start in range(0, len(bags), BLOCK):
            sims = _rows(bags[start : start + BLOCK], self.columns, self.idf) @ self.matrix_t
            block = np.round(np.asarray(sims.toarray(), dtype=np.float64), 9)
            for row, own in enumerate(exclude[start : start + BLOCK]):
                if own is not None:
                    block[row, own] = 0.0
            order = np.argsort(-block, axis=1, kind="stable")[:, :K_NEIGHBOURS]
            out += [
                [(float(row[i]), int(i)) for i in best if row[i] > 0]
                for row, best in zip(block, order, strict=True)
            ]
        return out


def _rows(
    bags: Sequence[Counter[str]], columns: Mapping[str, int], idf: np.ndarray
) -> sparse.csr_matrix:
    """L2-normalised rows of sublinear TF-IDF over the index's columns, one per bag (the
    arithmetic in numpy: this runs for every measure of a collection)."""
    indptr, cols, counts = [0], [], []
    for bag in bags:
        for feature, count in bag.items():
            col = columns.get(feature)
            if col is not None:
                cols.append(col)
                counts.append(count)
        indptr.append(len(cols))
    at = np.asarray(cols, dtype=np.int64)
    values = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * idf[at]
    rows = sparse.csr_matrix((values, at, indptr), shape=(len(bags), len(columns)))
    rows.sort_indices()
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1), dtype=np.float64).ravel())
    return sparse.csr_matrix(sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ rows)


def _features(
    evidence: Evidence,
    candidates: Sequence[tuple[float, str]],
    neighbours: Sequence[tuple[float, int]],
    families: Sequence[frozenset[str]],
) -> np.ndarray:
    """One row of FEATURES per candidate family."""
    best = candidates[0][0] if candidates else 1.0
    total = sum(s for s, _ in neighbours)
    nearest = neighbours[0][0] if neighbours else 0.0
    rows = []
    for value, top in candidates:
        counts = Counter(f for _, f in evidence.by_family[top])
        vote = sum(s for s, i in neighbours if top in families[i]) / total if total else 0.0
        rows.append(
            [math.log1p(counts[f]) for f in FIELD_ORDER]
            + [value / best, float(value == best), vote, vote * nearest]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(candidates), len(FEATURES))


def _fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights then intercept of an L2-penalised logistic regression, by Newton's method."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.diag([L2] * x.shape[1] + [0.0])
    w = np.zeros(xb.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        gradient = xb.T @ (p - y) + penalty @ w
        hessian = (xb * (p * (1.0 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hessian, gradient)
        w = w - step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return np.round(w, 8)


@dataclass(frozen=True)
class ThemeModel:
    """The fitted model: the examples, their index and the regression's weights."""

    vocab: Vocabulary
    examples: tuple[Example, ...]
    families: tuple[frozenset[str], ...]  # each example's themes as top concepts
    index: _Index
    weights: tuple[float, ...]  # one per FEATURES, then the intercept

    def decide_all(
        self, measures: Sequence[tuple[Mapping[str, str], Evidence]], names: Sequence[str] = ()
    ) -> list[Kept]:
        """For each (fields, evidence): the candidates whose probability is at least THRESHOLD
        (at most MAX_HITS), else the best one alone, with the nearest examples behind each.
        `names` are the measures' paths: a measure that is an example is decided by the others,
        as it was in training, and never named as its own evidence."""
        position = {ex.id: i for i, ex in enumerate(self.examples)}
        neighbours = self.index.neighbours(
            [_bag(evidence.texts) for _, evidence in measures],
            exclude=[position.get(name) for name in names] or [None] * len(measures),
        )
        candidates = [evidence.candidates() for _, evidence in measures]
        blocks = [
            _features(evidence, cands, near, self.families)
            for (_, evidence), cands, near in zip(measures, candidates, neighbours, strict=True)
        ]
        w = np.asarray(self.weights)
        z = np.vstack(blocks) @ w[:-1] + w[-1] if blocks else np.zeros(0)
        p = np.round(1.0 / (1.0 + np.exp(-z)), 4)
        out: list[Kept] = []
        at = 0
        for cands, near in zip(candidates, neighbours, strict=True):
            scored = sorted(
                (
                    (
                        float(p[at + j]),
                        top,
                        tuple(self.examples[i].id for _, i in near if top in self.families[i]),
                    )
                    for j, (_, top) in enumerate(cands)
                ),
                key=lambda x: (-x[0], x[1]),
            )
            at += len(cands)
            kept = [x for x in scored if x[0] >= THRESHOLD][:MAX_HITS] or scored[:1]
            out.append([(max(v, FLOOR), top, behind) for v, top, behind in kept])
        return out


def train(examples: Sequence[Example], vocab: Vocabulary) -> ThemeModel | None:
    """Fit the model to `examples` (None when there are none to learn from). Each example is
    featured with the other examples as its neighbours (leave one out), as a new measure is."""
    if not examples:
        return None
    families = tuple(frozenset(top for t in ex.themes for top in vocab.tops[t]) for ex in examples)
    found = [find_evidence(ex.fields, vocab) for ex in examples]
    bags = [_bag(evidence.texts) for evidence in found]
    index = _Index.of(bags)
    xs, ys = [], []
    for i, neighbours in enumerate(index.neighbours(bags, exclude=range(len(bags)))):
        evidence = found[i]
        candidates = evidence.candidates()
        if not candidates:
            continue
        xs.append(_features(evidence, candidates, neighbours, families))
        ys.append([float(top in families[i]) for _, top in candidates])
    if not xs or len({y for row in ys for y in row}) < 2:
        return None  # nothing to tell kept from dropped candidates
    weights = _fit(np.vstack(xs), np.asarray([y for row in ys for y in row]))
    return ThemeModel(vocab, tuple(examples), families, index, tuple(float(v) for v in weights))

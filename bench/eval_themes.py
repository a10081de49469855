"""Print the theme classifier's precision, recall and F1 against hand labels, and the labels' agreement.

    .venv/bin/python -m bench.eval_themes --cv 5 [--seeds 3] [--labels FILE]
    .venv/bin/python -m bench.eval_themes --labels FILE [--split dev|heldout] [--misses]

With --cv K (the figures to quote while the labels are also the training examples): the
labelled measures are cut into K folds, stratified by document (within each document, measures
sorted by a hash of the seed and their key are dealt round the folds); for each fold the model
is trained on the other folds' labels alone and classifies the fold's measures. The out-of-fold
micro and macro P/R/F1 are printed per seed, then their mean and spread (standard deviation
over the K x seeds folds) and the figures of the pooled out-of-fold predictions per split.

Without --cv it scores the product's classifier (trained on data/theme_examples.csv) on the
labels given: for a held-out set whose measures are not examples, these are out-of-sample
figures. A measure that is an example is decided by the other examples (as in the build), but
the weights were fitted with it, so it is counted and the figures for it are not out of sample.

Labels are a CSV keyed like the build's measures (doc_id, number, part) with a `themes` column
(the gold theme ids, most specific concepts, ';'-separated; `none` or empty: the reading found
no theme). tests/data/theme_labels_blind.csv (the default) also has `split` (dev | heldout) and
the two annotators' own readings (`annotator_a`, `annotator_b`); tests/data/theme_labels.csv,
the older set, has neither. How the blind set was made: tests/data/theme_labels_blind.md.

For the labels given (one split of them with --split) it prints, at the level of top concepts
and of all concepts (theme sets closed under skos:broader, what a query with inference sees):
micro and macro precision, recall and F1, and per theme precision, recall and support; the
annotators' agreement (annotator_a vs annotator_b, and each vs the gold `themes`); and the
measures the classifier gives no theme, with what the reading gave them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import ROOT
from reformkg.etl.documents import parse_all
from reformkg.etl.records import Measure
from reformkg.etl.theme_model import EXAMPLES_FILE, example_from_measure, load_examples, train
from reformkg.etl.themes import (
    Evaluation,
    ThemeHit,
    Vocabulary,
    classify_measures,
    evaluate,
    load_vocabulary,
)
from reformkg.settings import Settings
from reformkg.vocab import measure_path

Key = tuple[str, str, int | None]
LEVELS = (("top concepts", True), ("all concepts (closed under skos:broader)", False))
SPLITS = ("dev", "heldout")


@dataclass(frozen=True)
class Labelled:
    """One labelled measure: the gold themes and, when the file has them, each reading."""

    key: Key
    gold: tuple[str, ...]
    split: str
    readings: dict[str, tuple[str, ...]]  # annotator column -> themes


def _themes(cell: str) -> tuple[str, ...]:
    ids = tuple(t.strip() for t in cell.split(";") if t.strip())
    return () if ids == ("none",) else ids


def read_labels(path: Path, split: str | None = None) -> list[Labelled]:
    """The labelled measures of `path` (of one split when `split` is given)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    columns = set(rows[0]) if rows else set()
    if split and "split" not in columns:
        raise SystemExit(f"{path}: no split column, so --split {split} cannot be applied")
    readers = sorted(c for c in columns if c.startswith("annotator_"))
    out = []
    for row in rows:
        if split and row["split"] != split:
            continue
        key = (row["doc_id"], row["number"], int(row["part"]) if row["part"] else None)
        out.append(
            Labelled(
                key,
                _themes(row["themes"]),
                row.get("split", ""),
                {r: _themes(row[r]) for r in readers},
            )
        )
    return out


def print_scores(result: Evaluation, title: str, per_theme: bool = True) -> None:
    print(f"\n== {title}")
    print(f"{'theme':32} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}")
    if per_theme:
        for theme, s in result["per_theme"].items():
            print(f"{theme:32} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:5d}")
    for name in ("micro", "macro"):
        s = result[name]
        print(f"{name + '-average':32} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}")


def _closed(ids: Sequence[str], vocab: Vocabulary, top_only: bool) -> set[str]:
    out: set[str] = set()
    for i in ids:
        out |= vocab.ancestors(i)
    return {i for i in out if not vocab.concepts[i].broader} if top_only else out


def print_agreement(labels: Sequence[Labelled], vocab: Vocabulary) -> None:
    """Micro-F1 between the readings (and each reading and the gold), identical sets counted."""
    readers = sorted(labels[0].readings) if labels else []
    if not readers:
        print("\n== annotators' agreement: the labels have no annotator columns")
        return
    pairs = [(a, b) for i, a in enumerate(readers) for b in readers[i + 1 :]]
    pairs += [(r, "themes") for r in readers]

    def reading(x: Labelled, name: str) -> tuple[str, ...]:
        return x.gold if name == "themes" else x.readings[name]

    print(f"\n== annotators' agreement ({len(labels)} measures; micro P/R/F1 of the first as gold)")
    for title, top_only in LEVELS:
        print(f"-- {title}")
        for a, b in pairs:
            first = {x.key: reading(x, a) for x in labels}
            second = {x.key: reading(x, b) for x in labels}
            s = evaluate(first, second, vocab, top_only=top_only)["micro"]
            same = sum(
                _closed(first[k], vocab, top_only) == _closed(second[k], vocab, top_only)
                for k in first
            )
            print(
                f"{a + ' vs ' + b:32} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}"
                f"   identical sets {same}/{len(first)}"
            )


def folds(keys: Sequence[Key], k: int, seed: int) -> dict[Key, int]:
    """Fold of each key, stratified by document: within a document, keys sorted by a hash of
    the seed and the key are dealt round the k folds (so every fold holds each document)."""
    out: dict[Key, int] = {}
    for doc in sorted({key[0] for key in keys}):
        mine = sorted(
            (key for key in keys if key[0] == doc),
            key=lambda key: hashlib.sha256(f"{seed}:{_name(key)}".encode()).hexdigest(),
        )
        out.update({key: i % k for i, key in enumerate(mine)})
    return out


def _name(key: Key) -> str:
    return measure_path(*key)


def cross_validate(
    labels: Sequence[Labelled],
    measures: Mapping[Key, Measure],
    vocab: Vocabulary,
    k: int,
    seed: int,
    rule: bool = False,
) -> tuple[dict[Key, list[ThemeHit]], dict[Key, int]]:
    """Out-of-fold themes of every labelled measure: for each fold, the model is trained on
    the labels of the other folds only (as examples) and classifies the fold's measures
    (`rule`: the term rule, which learns nothing, on the same folds)."""
    fold = folds([x.key for x in labels], k, seed)
    hits: dict[Key, list[ThemeHit]] = {}
    for i in range(k):
        examples = [
            example_from_measure(measures[x.key], x.gold, _name(x.key))
            for x in labels
            if fold[x.key] != i and not rule
        ]
        model = train(examples, vocab)
        tested = [x.key for x in labels if fold[x.key] == i]
        found = classify_measures([measures[key] for key in tested], vocab, model)
        hits.update(zip(tested, found, strict=True))
    return hits, fold


def print_cv(
    labels: Sequence[Labelled],
    measures: Mapping[Key, Measure],
    vocab: Vocabulary,
    k: int,
    seeds: int,
    rule: bool = False,
) -> dict[Key, list[ThemeHit]]:
    """Out-of-fold figures per seed, their mean and spread over the folds, and per split.
    Returns the out-of-fold themes of the first seed (for the per-theme table and misses)."""
    gold = {x.key: list(x.gold) for x in labels}
    per_fold: dict[tuple[str, str], list[Evaluation]] = {}
    pooled: dict[tuple[str, str], list[Evaluation]] = {}
    first: dict[Key, list[ThemeHit]] = {}
    what = "the term rule alone" if rule else "the model trained on the other folds"
    print(f"\n== {k}-fold cross-validation ({what}), by document, seeds 0..{seeds - 1}")
    for seed in range(seeds):
        hits, fold = cross_validate(labels, measures, vocab, k, seed, rule)
        first = first or hits
        predicted = {key: [h.theme_id for h in v] for key, v in hits.items()}
        for title, top_only in LEVELS:
            pooled.setdefault((title, "all"), []).append(
                evaluate(gold, predicted, vocab, top_only=top_only)
            )
            for i in range(k):
                part = {key: g for key, g in gold.items() if fold[key] == i}
                per_fold.setdefault((title, "fold"), []).append(
                    evaluate(part, predicted, vocab, top_only=top_only)
                )
            for group in _groups(labels):
                part = {x.key: list(x.gold) for x in labels if group in (x.split, x.key[0])}
                pooled.setdefault((title, group), []).append(
                    evaluate(part, predicted, vocab, top_only=top_only)
                )
        s = pooled[(LEVELS[0][0], "all")][-1]["micro"]
        print(
            f"seed {seed}: top concepts, pooled out-of-fold micro "
            f"P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}"
        )
    for title, _ in LEVELS:
        print(f"\n-- {title}: out-of-fold, mean ± sd over {k} folds x {seeds} seeds")
        print(f"{'':26} {'P':>13} {'R':>13} {'F1':>13}")
        for avg in ("micro", "macro"):
            cells = []
            for attr in ("precision", "recall", "f1"):
                vals = [getattr(e[avg], attr) for e in per_fold[(title, "fold")]]
                sd = statistics.pstdev(vals)
                cells.append(f"{statistics.fmean(vals):6.3f} ± {sd:.3f}")
            print(f"{avg + '-average':26} " + " ".join(f"{c:>13}" for c in cells))
        print("pooled out-of-fold predictions (mean over seeds), all, by split, by document:")
        for group in ("all", *_groups(labels)):
            evals = pooled[(title, group)]
            n = sum(1 for x in labels if group in ("all", x.split, x.key[0]))
            for avg in ("micro", "macro"):
                p, r, f = (
                    statistics.fmean(getattr(e[avg], a) for e in evals)
                    for a in ("precision", "recall", "f1")
                )
                print(f"  {group + ' (' + str(n) + ')':28} {avg:5}  P {p:.3f} R {r:.3f} F1 {f:.3f}")
    return first


def _groups(labels: Sequence[Labelled]) -> list[str]:
    """The splits, then the documents, the labels fall into."""
    return sorted({x.split for x in labels} - {""}) + sorted({x.key[0] for x in labels})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "tests/data/theme_labels_blind.csv")
    ap.add_argument("--split", choices=SPLITS, help="only the labels of this split")
    ap.add_argument("--misses", action="store_true", help="list measures whose themes differ")
    ap.add_argument("--cv", type=int, metavar="K", help="K-fold cross-validation (K >= 2)")
    ap.add_argument("--seeds", type=int, default=3, help="with --cv: fold assignments (3)")
    ap.add_argument(
        "--rule", action="store_true", help="score the term rule alone (no examples, no model)"
    )
    args = ap.parse_args(argv)
    if args.cv is not None and (args.cv < 2 or args.seeds < 1):
        ap.error("--cv needs K >= 2 and --seeds >= 1")
    settings = Settings.defaults()
    vocab = load_vocabulary(settings.ontology_dir)
    labels = read_labels(args.labels, args.split)
    if not labels:
        print(f"{args.labels}: no labelled measures (split {args.split})", file=sys.stderr)
        return 2
    measures = {(m.doc_id, m.number, m.part): m for d in parse_all(settings) for m in d.measures}
    missing = sorted((x.key for x in labels if x.key not in measures), key=str)
    if missing:
        print(f"labelled measures not found in the parse: {missing}", file=sys.stderr)
        return 2
    unknown = sorted({t for x in labels for t in x.gold if t not in vocab.concepts})
    if unknown:
        print(f"{args.labels}: themes not in the scheme: {unknown}", file=sys.stderr)
        return 2
    gold = {x.key: list(x.gold) for x in labels}
    docs = sorted({k[0] for k in gold})
    split = f", split {args.split}" if args.split else ""
    print(f"{args.labels.name}{split}: {len(gold)} labelled measures over {len(docs)} documents")
    if args.cv is not None:
        hits = print_cv(labels, measures, vocab, args.cv, args.seeds, args.rule)
        print("\nper theme below: the pooled out-of-fold predictions of seed 0")
    else:
        hits = product_themes(labels, measures, vocab, settings, rule=args.rule)
    predicted = {k: [h.theme_id for h in v] for k, v in hits.items()}
    for title, top_only in LEVELS:
        print_scores(evaluate(gold, predicted, vocab, top_only=top_only), title)
    print_agreement(labels, vocab)
    print_unthemed(gold, predicted, measures)
    if args.misses:
        print("\n== measures whose predicted themes differ from the labels")
        for k in sorted(gold, key=str):
            if sorted(predicted[k]) != sorted(gold[k]):
                m = measures[k]
                shown = "; ".join(f"{h.theme_id} {h.score} [{' '.join(h.terms)}]" for h in hits[k])
                print(
                    f"{k[0]} {k[1]}{'-' + str(k[2]) if k[2] else ''} {m.name.clean}\n"
                    f"    gold {gold[k]}\n    pred {shown}"
                )
    return 0


def product_themes(
    labels: Sequence[Labelled],
    measures: Mapping[Key, Measure],
    vocab: Vocabulary,
    settings: Settings,
    *,
    rule: bool,
) -> dict[Key, list[ThemeHit]]:
    """The themes the build gives the labelled measures: the model trained on the examples of
    the data folder (or the term rule alone), saying which labelled measures are examples."""
    path = settings.data_dir / EXAMPLES_FILE
    examples = [] if rule else load_examples(path, vocab)
    model = train(examples, vocab)
    if model is None:
        print("classifier: the term rule alone (no examples)")
    else:
        ids = {ex.id for ex in examples}
        inside = sorted(_name(x.key) for x in labels if _name(x.key) in ids)
        print(f"classifier: trained on {len(examples)} labelled examples ({path.name})")
        print(
            f"labelled measures that are examples themselves: {len(inside)} of {len(labels)}"
            + (
                " (each decided by the other examples, but the weights were fitted with it:"
                " quote --cv figures for them)"
                if inside
                else " (out of sample)"
            )
        )
    found = classify_measures([measures[x.key] for x in labels], vocab, model)
    return {x.key: hits for x, hits in zip(labels, found, strict=True)}


def print_unthemed(
    gold: Mapping[Key, Sequence[str]], predicted: Mapping[Key, Sequence[str]], measures: Mapping
) -> None:
    """The labelled measures without a predicted theme, and whether the reading agrees."""
    unthemed = sorted((k for k in gold if not predicted[k]), key=str)
    agreed = sum(1 for k in unthemed if not gold[k])
    print(
        f"\n== measures without a theme: {len(unthemed)} "
        f"({agreed} where the reading also has none; {sum(1 for g in gold.values() if not g)} "
        "labelled none)"
    )
    for k in unthemed:
        label = "; ".join(gold[k]) or "none"
        print(
            f"{k[0]} {k[1]}{'-' + str(k[2]) if k[2] else ''} {measures[k].name.clean}  gold: {label}"
        )


if __name__ == "__main__":
    sys.exit(main())

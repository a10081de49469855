"""Print the theme classifier's precision, recall and F1 against hand labels, and the labels' agreement.

    .venv/bin/python -m bench.eval_themes [--labels FILE] [--split dev|heldout] [--misses]

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
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import ROOT
from reformkg.etl.documents import parse_all
from reformkg.etl.themes import Evaluation, Vocabulary, classify, evaluate, load_vocabulary
from reformkg.settings import Settings

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "tests/data/theme_labels_blind.csv")
    ap.add_argument("--split", choices=SPLITS, help="only the labels of this split")
    ap.add_argument("--misses", action="store_true", help="list measures whose themes differ")
    args = ap.parse_args(argv)
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
    hits = {x.key: classify(measures[x.key], vocab) for x in labels}
    predicted = {k: [h.theme_id for h in v] for k, v in hits.items()}
    docs = sorted({k[0] for k in gold})
    split = f", split {args.split}" if args.split else ""
    print(f"{args.labels.name}{split}: {len(gold)} labelled measures over {len(docs)} documents")
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

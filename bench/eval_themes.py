"""Print the theme classifier's precision, recall and F1 against the hand labels.

    .venv/bin/python -m bench.eval_themes [--labels tests/data/theme_labels.csv] [--misses]

The labels (tests/data/theme_labels.csv) were made by reading the measures in data/raw, each
with its reason. Scores are computed on theme sets closed under skos:broader (what a query with
inference sees), per theme and micro/macro averaged, and once more on top concepts only.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from bench import ROOT
from reformkg.etl.documents import parse_all
from reformkg.etl.themes import classify, evaluate, load_vocabulary
from reformkg.settings import Settings

Key = tuple[str, str, int | None]


def read_labels(path: Path) -> dict[Key, list[str]]:
    """Hand labels keyed like the build's measures: (doc_id, number, part or None)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            (row["doc_id"], row["number"], int(row["part"]) if row["part"] else None): [
                t.strip() for t in row["themes"].split(";") if t.strip()
            ]
            for row in csv.DictReader(fh)
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "tests/data/theme_labels.csv")
    ap.add_argument("--misses", action="store_true", help="list measures whose themes differ")
    args = ap.parse_args(argv)
    settings = Settings.defaults()
    vocab = load_vocabulary(settings.ontology_dir)
    gold = read_labels(args.labels)
    measures = {(m.doc_id, m.number, m.part): m for d in parse_all(settings) for m in d.measures}
    missing = sorted(k for k in gold if k not in measures)
    if missing:
        print(f"labelled measures not found in the parse: {missing}", file=sys.stderr)
        return 2
    hits = {k: classify(measures[k], vocab) for k in gold}
    predicted = {k: [h.theme_id for h in v] for k, v in hits.items()}
    docs = sorted({k[0] for k in gold})
    print(f"{len(gold)} labelled measures over {len(docs)} documents: {', '.join(docs)}")
    for title, top_only in (
        ("all concepts (closed under broader)", False),
        ("top concepts only", True),
    ):
        result = evaluate(gold, predicted, vocab, top_only=top_only)
        print(f"\n== {title}")
        print(f"{'theme':32} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}")
        for theme, s in result["per_theme"].items():
            print(f"{theme:32} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:5d}")
        for name in ("micro", "macro"):
            s = result[name]
            print(f"{name + '-average':32} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}")
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


if __name__ == "__main__":
    sys.exit(main())

"""Write the theme classifier's examples file from labels of parsed measures.

    .venv/bin/python -m bench.theme_examples [--labels FILE ...] [--out FILE]

The classifier learns from data/theme_examples.csv (etl/theme_model.py): one labelled measure
a row with its texts as printed, so the file is read without parsing any document and the
examples work for any collection. This tool makes those rows from labels keyed like the build's
measures (doc_id, number, part, themes — the columns of tests/data/theme_labels_blind.csv, which
is what the bundled file is made from) and the parse of the data folder (REFORMKG_DATA). Several
--labels files are merged; a measure labelled twice keeps its first labels.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from bench import ROOT
from bench.eval_themes import read_labels
from reformkg.etl.documents import parse_all
from reformkg.etl.records import Measure
from reformkg.etl.theme_model import COLUMNS, EXAMPLES_FILE
from reformkg.etl.themes import agency_names
from reformkg.settings import Settings
from reformkg.vocab import measure_path


def example_row(measure: Measure, themes: tuple[str, ...]) -> dict[str, str]:
    """One row of the examples file: the measure's path, its themes and its printed texts."""
    return {
        "example": measure_path(measure.doc_id, measure.number, measure.part),
        "themes": ";".join(themes) or "none",
        "name": measure.name.clean,
        "practice": measure.practice.clean,
        "effect": measure.effect.clean if measure.effect is not None else "",
        "lead": agency_names(measure.lead),
        "responsible": agency_names(measure.responsible),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "--labels",
        type=Path,
        action="append",
        help="labels CSV (repeatable; default tests/data/theme_labels_blind.csv)",
    )
    ap.add_argument("--out", type=Path, help=f"where to write (default data/{EXAMPLES_FILE})")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    out = args.out or settings.data_dir / EXAMPLES_FILE
    measures = {(m.doc_id, m.number, m.part): m for d in parse_all(settings) for m in d.measures}
    rows: dict[str, dict[str, str]] = {}
    for path in args.labels or [ROOT / "tests/data/theme_labels_blind.csv"]:
        for x in read_labels(path):
            if x.key not in measures:
                print(f"{path}: no measure {measure_path(*x.key)} in the parse", file=sys.stderr)
                return 2
            row = example_row(measures[x.key], x.gold)
            rows.setdefault(row["example"], row)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows.values())
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(out)
    print(f"{out}: {len(rows)} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())

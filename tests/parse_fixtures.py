"""Helpers for the parser's fixture folders (tests/fixtures/<case>/).

Each case folder holds what is particular to it: `manifest.toml`, `raw/<case>.txt` (cut from a
real document, its bytes kept) and `expected.json` (written by reading the cut). The tables every
data folder needs (places, agencies, scopes, column names) are the real ones in data/, copied in
at test time so that the fixtures never drift from them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reformkg.settings import Settings

from checkout import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ("places.csv", "agencies.csv", "scopes.csv", "columns.toml")


def cases(prefix: str = "") -> list[str]:
    """Names of the fixture folders (those starting with `prefix`), sorted."""
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith(prefix))


def expected(case: str) -> dict:
    return json.loads((FIXTURES / case / "expected.json").read_text(encoding="utf-8"))


def data_folder(case: str, into: Path) -> Path:
    """A complete data folder for `case` under `into`: the fixture plus data/'s shared tables."""
    target = into / case
    shutil.copytree(FIXTURES / case, target, ignore=shutil.ignore_patterns("expected.json"))
    (target / "raw").mkdir(exist_ok=True)
    for name in SHARED:
        shutil.copy(ROOT / "data" / name, target / name)
    return target


def settings_for(data_dir: Path, build_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        build_dir=build_dir,
        ontology_dir=ROOT / "ontology",
        queries_dir=ROOT / "queries",
    )

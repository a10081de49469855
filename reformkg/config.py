"""Where things are: one settings object, overridable by environment variables (REFORMKG_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    build_dir: Path
    ontology_dir: Path
    queries_dir: Path

    @property
    def manifest(self) -> Path:
        return self.data_dir / "manifest.toml"


@lru_cache
def get_settings() -> Settings:
    env = os.environ.get
    return Settings(
        data_dir=Path(env("REFORMKG_DATA", ROOT / "data")),
        build_dir=Path(env("REFORMKG_BUILD", ROOT / "build")),
        ontology_dir=Path(env("REFORMKG_ONTOLOGY", ROOT / "ontology")),
        queries_dir=Path(env("REFORMKG_QUERIES", ROOT / "queries")),
    )

"""Where the tests run from: the repository checkout (its data/, ontology/, bench/ …)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

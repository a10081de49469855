"""The docs say what the code does: every environment variable, command and file path that
README.md, CHANGELOG-free docs/ name must exist, and every setting must be documented.

What counts as a name (read from the Markdown, outside fenced output blocks too):
- `REFORMKG_…` anywhere: an environment variable of `reformkg.settings.ENVIRONMENT`;
- `reformkg VERB`, `python3 dev.py VERB`, `python -m bench.MODULE`: a CLI verb, a dev.py verb,
  a module of bench/;
- a path in backticks that starts with one of the repository's top-level folders (etl/,
  graph/, web/, …) or names a top-level file: it exists in the checkout. Paths under build/
  are the build's outputs: their first part must be a file or folder the build writes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reformkg import build_files
from reformkg.cli import build_parser
from reformkg.settings import ENVIRONMENT

from checkout import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")} - {"build", "bench-out"}
#: Named graphs are written `graph/inferred` in the docs: names, not paths.
GRAPH_NAMES = {
    "entities",
    "inferred",
    "links",
    "ontology",
    "themes",
    "doc",
    "derived",
    "description",
}
BUILD_OUTPUTS = {
    value for name, value in vars(build_files).items() if name.isupper() and isinstance(value, str)
}


def _verbs() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)  # type: ignore[arg-type]


def _dev_verbs() -> set[str]:
    return set(re.findall(r'verb == "(\w+)"', (ROOT / "dev.py").read_text(encoding="utf-8")))


def _text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_environment_variables_exist(doc: Path) -> None:
    named = set(re.findall(r"\bREFORMKG_[A-Z_]+\b", _text(doc)))
    assert named <= set(ENVIRONMENT.values()), named - set(ENVIRONMENT.values())


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"\bREFORMKG_[A-Z_]+\b", "".join(_text(d) for d in DOCS)))
    assert set(ENVIRONMENT.values()) <= documented, set(ENVIRONMENT.values()) - documented


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_commands_exist(doc: Path) -> None:
    text = _text(doc)
    verbs = set(re.findall(r"\breformkg ([a-z]+)\b", text)) - {"is", "and", "on"}
    assert verbs <= _verbs(), verbs - _verbs()
    dev = set(re.findall(r"\bdev\.py ([a-z]+)\b", text))
    assert dev <= _dev_verbs(), dev - _dev_verbs()
    for module in re.findall(r"python3? -m bench\.([a-z_]+)", text):
        assert (ROOT / "bench" / f"{module}.py").is_file(), f"bench.{module}"


def _paths(text: str) -> set[str]:
    found = set()
    for span in re.findall(r"`([^`\n]+)`", text):
        for word in span.split():
            word = word.strip("()[],;:").split("#")[0].split("::")[0]
            word = re.sub(r":\d+$", "", word)
            head = word.split("/")[0]
            if (
                "/" in word
                and head in TOP | {"build"}
                and not any(c in word for c in "*<>{}…|")
                or word in TOP
                and "." in word
            ):
                found.add(word)
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_paths_exist(doc: Path) -> None:
    missing = []
    for path in sorted(_paths(_text(doc))):
        parts = path.rstrip("/").split("/")
        if parts[0] == "graph" and len(parts) > 1 and parts[1] in GRAPH_NAMES:
            continue
        if parts[0] == "build":
            if len(parts) > 1 and parts[1] not in BUILD_OUTPUTS:
                missing.append(path)
        elif not (ROOT / path.rstrip("/")).exists():
            missing.append(path)
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


def test_the_checker_sees_paths() -> None:
    assert _paths("see `etl/parse.py` and `nowhere/x.py`, `build/dataset.nq`") == {
        "etl/parse.py",
        "build/dataset.nq",
    }

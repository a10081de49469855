"""The rooms of the package and the way imports may point (docs/architecture.md).

Every module of the installed package belongs to one room, by lifetime:

    ground    reformkg.{settings,errors,vocab,media,build_files,script,spreadsheet,reviews,atomic}, reformkg itself
    etl       raw text → records → triples                        (build time)
    pipeline  reason, validate, write build/                       (build time)
    query     open a build, run queries, named questions           (serve time)
    read      read models over SPARQL: analytics, exports, trace …  (serve time)
    viz       graph views: read → model → draw                     (serve time)
    web       the HTTP app                                         (serve time)
    cli       the commands                                         (either)

A room may import only the rooms listed for it in ALLOWED: data flows one way, the web never
builds, and nothing at serve time imports the build. The test parses every module's imports
(top-level and inside functions) and fails on any arrow against the rule.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from checkout import ROOT

GROUND = "ground"
ALLOWED: dict[str, set[str]] = {
    "ground": {GROUND},
    "etl": {GROUND, "etl"},
    "pipeline": {GROUND, "etl", "pipeline"},
    "query": {GROUND, "query"},
    "read": {GROUND, "query", "read"},
    "viz": {GROUND, "query", "read", "viz"},
    "web": {GROUND, "query", "read", "viz", "web"},
    "cli": {GROUND, "etl", "pipeline", "query", "read", "viz", "web", "cli"},
}


def room(module: str) -> str:
    """The room of a module of the package (reformkg.graph.query.pool → query)."""
    parts = module.split(".")
    assert parts[0] == "reformkg", module
    if len(parts) == 1:
        return GROUND
    head = parts[1]
    if head == "graph":
        if len(parts) == 2:
            return GROUND  # the namespace package's own __init__
        return {"pipeline": "pipeline", "query": "query", "read": "read"}[parts[2]]
    if head in {"etl", "viz", "web", "cli"}:
        return head
    if head in {
        "settings",
        "errors",
        "vocab",
        "media",
        "build_files",
        "script",
        "spreadsheet",
        "reviews",
        "atomic",
    }:
        return GROUND
    if head in {"data", "ontology", "queries"}:
        return GROUND  # package data
    raise AssertionError(f"{module} belongs to no room: add it to tests/test_architecture.py")


def package_modules() -> dict[str, Path]:
    """Every Python module of the package, by its dotted name (from pyproject's package-dir)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    modules: dict[str, Path] = {}
    for package, folder in mapping.items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            if (
                package == "reformkg"
                and parts
                and parts[0] in {m.split(".", 1)[1] for m in mapping if m != "reformkg"}
            ):
                continue
            modules[".".join([package, *parts])] = path
    return modules


def imports_of(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the package in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("reformkg")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("reformkg"):
                if name in {"reformkg", "reformkg.graph"}:  # from reformkg import vocab
                    found += [
                        (node.lineno, f"{name}.{a.name}" if f"{name}.{a.name}" in MODULES else name)
                        for a in node.names
                    ]
                else:
                    found.append((node.lineno, name))
    return found


MODULES = package_modules()


def test_every_module_is_in_a_room() -> None:
    assert len(MODULES) > 50
    for module in MODULES:
        room(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_the_right_way(module: str) -> None:
    mine = room(module)
    wrong = [
        f"{MODULES[module].relative_to(ROOT)}:{line}: {mine} imports {target} ({room(target)})"
        for line, target in imports_of(module, MODULES[module])
        if room(target) not in ALLOWED[mine]
    ]
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_the_rule_catches_a_wrong_arrow(tmp_path: Path) -> None:
    """The checker itself: a web module importing the build pipeline is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from reformkg.graph.pipeline.build import build\n")
    found = imports_of("reformkg.web.bad", bad)
    assert found == [(2, "reformkg.graph.pipeline.build")]
    assert room(found[0][1]) not in ALLOWED[room("reformkg.web.bad")]


#: Naming the documents' folder: settings.raw_dir, or a path joined with "raw" (a `raw=true`
#: parameter, which asks for CSV values as stored, is not a path).
RAW_FOLDER = re.compile(r'raw_dir|/\s*"raw"|"raw/')


def test_only_the_build_reads_the_raw_documents() -> None:
    """Nothing at serve time names the documents' folder: pages quote build/sources/."""
    readers = sorted(
        str(path.relative_to(ROOT))
        for module, path in MODULES.items()
        if room(module) in {"query", "read", "viz", "web"}
        and RAW_FOLDER.search(path.read_text(encoding="utf-8"))
    )
    assert readers == []

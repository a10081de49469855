"""Type-check the installed package's code with mypy --strict, from the checkout.

    .venv/bin/python -m bench.typecheck

mypy finds modules by their place on disk, and this package's folders sit at the top of the
repository (pyproject.toml maps etl/ to reformkg.etl and so on), a layout it cannot follow.
So the package is laid out as installed, with symbolic links, in .venv/typecheck/ (read from
pyproject's package-dir, so the two cannot disagree), mypy runs there, and the paths in its
messages are mapped back to the checkout's files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from bench import ROOT

TREE = ROOT / ".venv" / "typecheck"


def link_tree() -> Path:
    """.venv/typecheck/reformkg laid out as in the wheel, every entry a link into the checkout."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    package = TREE / "reformkg"
    if TREE.exists():
        shutil.rmtree(TREE)
    package.mkdir(parents=True)
    for entry in (ROOT / mapping["reformkg"]).iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in mapping.items():
        if name != "reformkg":
            (package / name.split(".", 1)[1]).symlink_to(ROOT / folder)
    return TREE


def main(argv: list[str]) -> int:
    tree = link_tree()
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-dir"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "-p",
            "reformkg",
            *argv,
        ],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    for line in (done.stdout + done.stderr).splitlines():
        for name, folder in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
            prefix = name.replace(".", "/") + "/"
            if line.startswith(prefix):
                line = folder + "/" + line[len(prefix) :]
                break
        print(line)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python 3.11+: `python3 dev.py serve|test|bench`.

It creates .venv, installs the project with its test extras from pyproject.toml (again
whenever pyproject.toml changes), and, for the tests, Debian's chromium, CJK fonts and
virtuoso-opensource when it runs as root on a Debian machine (as CI does).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"
DEBIAN_PACKAGES = ["chromium", "fonts-noto-cjk", "virtuoso-opensource"]


def sh(*cmd: str | Path, env: dict | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env=env)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit(f"ReformKG needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        sh(sys.executable, "-m", "venv", VENV)
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[test]")
    STAMP.write_text(wanted)


def ensure_debian_packages() -> None:
    """Browser tests need Debian chromium (+ CJK fonts); the Virtuoso test needs virtuoso-t."""
    missing = [
        p
        for p, exe in zip(DEBIAN_PACKAGES, ["chromium", None, "virtuoso-t"], strict=True)
        if (exe and not shutil.which(exe))
        or (p == "fonts-noto-cjk" and not Path("/usr/share/fonts/opentype/noto").exists())
    ]
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)
    else:
        print(
            f"note: {', '.join(missing)} not installed and not root: the browser/Virtuoso tests "
            "will be skipped (CI installs them)",
            file=sys.stderr,
        )


def main(argv: list[str]) -> int:
    verb = argv[0] if argv else "help"
    rest = argv[1:]
    if verb == "serve":
        ensure_venv()
        sh(BIN / "reformkg", "build")
        os.execv(str(BIN / "reformkg"), [str(BIN / "reformkg"), "serve", "--no-build", *rest])
    if verb == "test":
        ensure_venv()
        ensure_debian_packages()
        sh(BIN / "ruff", "check", ".")
        sh(BIN / "ruff", "format", "--check", ".")
        sh(BIN / "python", "-m", "bench.typecheck")  # mypy --strict on the package
        result = subprocess.run([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT)
        return result.returncode
    if verb == "bench":
        ensure_venv()
        ensure_debian_packages()
        return subprocess.run([str(BIN / "python"), "-m", "bench", *rest], cwd=ROOT).returncode
    print(__doc__)
    return 0 if verb in {"help", "-h", "--help"} else 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as failed:
        command = " ".join(str(c) for c in failed.cmd)
        print(f"dev.py: `{command}` failed with exit status {failed.returncode}", file=sys.stderr)
        sys.exit(failed.returncode or 1)

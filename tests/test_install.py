"""The wheel is the product: installed into a fresh venv outside the checkout, it builds and
serves the bundled documents from any folder, and `--data` points it at a user's own folder.

The wheel is built from a copy of the checkout (`pip wheel`: setuptools leaves its own
`build/` in the source folder, where `reformkg build` then refused to replace a folder holding
files it did not write, so `dev.py test` then `dev.py serve` failed), installed with
`--no-deps` into a new venv whose only other path entry is the test venv's site-packages (for the dependencies, without
running its .pth files, so the checkout's editable install cannot leak in), and run from a
temporary folder with no checkout in sight.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from checkout import ROOT

#: Not source (.gitignore's entries and .git): left out of the copy the wheel is built from.
_NOT_SOURCE = (
    ".git",
    ".venv",
    "build",
    "build.cache",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "test-artifacts",
    "bench-out",
    ".mypy_cache",
)


def _setuptools_leftovers() -> list[str]:
    """What the checkout's build/ holds that no ReformKG build writes (setuptools' folders)."""
    folder = ROOT / "build"
    return sorted(p.name for p in folder.glob("bdist.*")) + sorted(
        p.name for p in folder.glob("lib")
    )


def _run(cmd: list[str], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFORMKG_", "PYTHON"))}
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **kw,  # type: ignore[call-overload]
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `bin/` of a fresh venv holding only the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    before = _setuptools_leftovers()
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(work / "dist"),
            str(source),
        ],
        cwd=work,
    )
    assert built.returncode == 0, built.stderr
    assert _setuptools_leftovers() == before, "building the wheel wrote into the checkout"
    wheels = list((work / "dist").glob("reformkg-*.whl"))
    assert len(wheels) == 1
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    assert made.returncode == 0, made.stderr
    site = Path(
        _run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            cwd=work,
        ).stdout.strip()
    )
    # dependencies from the test venv, as a plain path entry (its .pth files are not run)
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheels[0]),
        ],
        cwd=work,
    )
    if done.returncode != 0:  # pip without --python: install into the venv's site directly
        done = _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--no-deps",
                "--no-index",
                "-q",
                "--target",
                str(site),
                str(wheels[0]),
            ],
            cwd=work,
        )
    assert done.returncode == 0, done.stderr
    yield venv / "bin"


def test_the_package_is_one_name_with_its_data(installed: Path, tmp_path: Path) -> None:
    code = (
        "import reformkg, reformkg.etl.parse, reformkg.web.app, importlib.metadata as m;"
        "from reformkg.settings import Settings; s = Settings.defaults();"
        "print(reformkg.__file__); print(reformkg.__version__);"
        "print((s.data_dir / 'manifest.toml').is_file(), (s.ontology_dir / 'reform.ttl').is_file(),"
        " len(list(s.queries_dir.glob('*.rq'))), len(list((s.data_dir / 'raw').glob('*.txt'))));"
        "print(sorted({f.parts[0] for f in m.files('reformkg') if f.suffix == '.py'}))"
    )
    done = _run([str(installed / "python"), "-c", code], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    where, version, data, tops = done.stdout.splitlines()
    assert str(ROOT) not in where and "site-packages" in where
    assert version[0].isdigit()
    questions = len(list((ROOT / "queries").glob("*.rq")))
    assert data == f"True True {questions} 5"  # every named question travels with the package
    assert tops == "['reformkg']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_build_and_serve_from_any_folder(installed: Path, tmp_path: Path) -> None:
    built = _run([str(installed / "reformkg"), "build", "--quiet"], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "built 5 documents: 349 measures" in built.stdout
    assert (tmp_path / "build" / "dataset.nq").is_file()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFORMKG_", "PYTHON"))}
    env["REFORMKG_WARM_VIEWS"] = "0"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(installed / "reformkg"), "serve", "--no-build", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the installed server did not start"
            time.sleep(0.3)
        count = httpx.get(
            base + "/sparql",
            params={
                "query": "PREFIX rk: <https://w3id.org/reformkg/ontology#> "
                "SELECT (COUNT(?m) AS ?n) WHERE { ?m a rk:Measure }"
            },
            headers={"Accept": "application/sparql-results+json"},
        ).json()
        assert count["results"]["bindings"][0]["n"]["value"] == "349"
        assert httpx.get(base + "/").status_code == 200
        assert httpx.get(base + "/static/style.css").status_code == 200
        page = httpx.get(base + "/id/measure/sz-bizenv-2022-b1/47")
        assert page.status_code == 200 and "知识产权证券化" in page.text
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_data_option_points_at_a_users_folder(installed: Path, tmp_path: Path) -> None:
    """A user's folder with one document of the family and its manifest entry."""
    mine = tmp_path / "mine"
    (mine / "raw").mkdir(parents=True)
    source = ROOT / "data"
    for table in ("agencies.csv", "places.csv", "scopes.csv", "columns.toml"):
        shutil.copy(source / table, mine / table)
    shutil.copy(
        source / "raw" / "ndrc-sz-ccr-2023-b2.txt", mine / "raw" / "ndrc-sz-ccr-2023-b2.txt"
    )
    manifest = (source / "manifest.toml").read_text(encoding="utf-8")
    entries = manifest.split("\n[[document]]\n")[1:]
    chosen = [e for e in entries if 'id = "ndrc-sz-ccr-2023-b2"' in e]
    (mine / "manifest.toml").write_text("[[document]]\n" + chosen[0], encoding="utf-8")
    built = _run(
        [str(installed / "reformkg"), "build", "--quiet", "--data", str(mine), "--out", "out"],
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    assert "built 1 documents: 22 measures" in built.stdout

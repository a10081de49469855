"""Atomic builds with integrity (issue 13, #4).

`reformkg build` is killed with SIGKILL while it parses, while it reasons and while it writes
its files; each time the previous build in the folder is byte for byte what it was, opens, and
is served whole. A dataset cut at a line boundary, a changed source file or a missing manifest
are refused by every command with one line; a folder holding other files is never emptied.

Found failing (issue 13): the build wrote into build/ in place, so a kill while writing left
dataset.nq cut mid-line and the previous build gone (`serve --no-build` then died with a
traceback), and a dataset.nq cut at a line boundary was served as healthy (10,000 triples, 63
measures instead of 349).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import start_server

from reformkg.build_files import MANIFEST, inventory, verify

from checkout import ROOT

COUNT_MEASURES = (
    "PREFIX rk: <https://w3id.org/reformkg/ontology#> "
    "SELECT (COUNT(?m) AS ?n) WHERE { ?m a rk:Measure }"
)
VERBS = [
    ("serve", "--no-build", "--port", "9"),
    ("export", "measures"),
    ("query", "documents-timeline"),
    ("trace", "知识产权证券化"),
    ("viz", "--out", "{tmp}/views"),
    ("validate",),
    ("load", "--into", "http://127.0.0.1:9/store"),
]


@pytest.fixture
def previous(build_dir: Path, tmp_path: Path) -> Path:
    """A copy of the session's build: the build a new one must not destroy."""
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    return target


def _kill_build_at(target: Path, stage: str) -> tuple[str, list[str]]:
    """Run `reformkg build --out target` and SIGKILL it once `stage` has started (for
    "serialise": once its first file exists). Returns its progress text and the files its
    fresh folder held at the kill."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "reformkg.cli", "build", "--out", str(target)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    progress = bytearray()

    def read() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(4096):
            progress.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    fresh = target.parent / f".{target.name}.new-{proc.pid}"
    deadline = time.monotonic() + 300  # a bound on the test, not a figure
    written: list[str] = []
    while time.monotonic() < deadline and proc.poll() is None:
        if f"  {stage} ".encode() in progress:
            written = sorted(p.name for p in fresh.iterdir()) if fresh.is_dir() else []
            if stage != "serialise" or written:
                break
        time.sleep(0.001)
    assert proc.poll() is None, f"the build ended before {stage}: {progress.decode()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(timeout=10)
    assert proc.stderr is not None
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return progress.decode(), written


@pytest.mark.parametrize("stage", ["parse", "reason", "serialise"])
def test_a_killed_build_leaves_the_previous_one_whole_and_served(
    previous: Path, stage: str, parsed_docs
) -> None:
    before = inventory(previous)
    manifest = (previous / MANIFEST).read_bytes()
    progress, written = _kill_build_at(previous, stage)
    assert inventory(previous) == before, f"killed during {stage}: {progress}"
    assert (previous / MANIFEST).read_bytes() == manifest
    verify(previous)
    if stage == "serialise":
        assert written, "the kill came before the build wrote anything"
    proc, base = start_server(previous, {"REFORMKG_WARM_VIEWS": "0"})
    try:
        health = httpx.get(base + "/healthz").json()
        count = httpx.get(base + "/sparql", params={"query": COUNT_MEASURES, "format": "json"})
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert health["triples"] == json.loads(manifest)["files"]["dataset.nq"]["lines"]
    measures = int(count.json()["results"]["bindings"][0]["n"]["value"])
    assert measures == sum(len(d.measures) for d in parsed_docs)


def test_the_next_build_replaces_the_folder_and_clears_what_a_kill_left(previous: Path) -> None:
    _, written = _kill_build_at(previous, "serialise")
    left = list(previous.parent.glob(f".{previous.name}.new-*"))
    assert left and written, "the killed build left its fresh folder"
    (previous / "report.md").write_text("changed by hand\n")  # the swap replaces the folder whole
    done = _build(previous)
    assert done.returncode == 0, done.stderr
    assert list(previous.parent.glob(f".{previous.name}.new-*")) == []
    verify(previous)
    assert "changed by hand" not in (previous / "report.md").read_text()


def _build(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "build", "--out", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _cli(build: Path, tmp: Path, *verb: str) -> subprocess.CompletedProcess[str]:
    args = [a.format(tmp=tmp) for a in verb]
    return subprocess.run(
        [sys.executable, "-m", "reformkg.cli", *args, "--build", str(build)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _cut_at_a_line(path: Path, keep: int) -> None:
    with path.open("rb") as fh:
        lines = [fh.readline() for _ in range(keep)]
    path.write_bytes(b"".join(lines))


@pytest.mark.parametrize("verb", VERBS, ids=[v[0] for v in VERBS])
def test_a_dataset_cut_at_a_line_boundary_is_refused(previous: Path, tmp_path: Path, verb) -> None:
    _cut_at_a_line(previous / "dataset.nq", 10_000)
    done = _cli(previous, tmp_path, *verb)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "dataset.nq" in done.stderr and "reformkg build" in done.stderr
    assert "10000 lines, 25000 recorded" in done.stderr or "bytes" in done.stderr


def test_a_changed_source_or_a_missing_manifest_is_refused(previous: Path, tmp_path: Path) -> None:
    source = next((previous / "sources").iterdir())
    data = bytearray(source.read_bytes())
    data[100] ^= 1  # same size, other content
    source.write_bytes(bytes(data))
    done = _cli(previous, tmp_path, "export", "measures")
    assert done.returncode == 2 and source.name in done.stderr
    assert "same size, other content" in done.stderr
    (previous / MANIFEST).unlink()
    done = _cli(previous, tmp_path, "query", "documents-timeline")
    assert done.returncode == 2 and "no manifest.json" in done.stderr


def test_a_folder_with_other_files_is_never_emptied(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("分析笔记\n", encoding="utf-8")
    done = _build(folder)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "notes.txt" in done.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_the_manifest_lists_every_output(build_dir: Path) -> None:
    manifest = json.loads((build_dir / MANIFEST).read_text())
    on_disk = sorted(
        p.relative_to(build_dir).as_posix()
        for p in build_dir.rglob("*")
        if p.is_file() and p.name not in {MANIFEST, "timings.json"} and p.parent.name != "store"
    )
    assert sorted(manifest["files"]) == on_disk
    # the store's files are not sealed (RocksDB writes ids and times into them): its folder is
    # listed, and store.json, sealed, says what it holds (checked when the store is opened)
    assert manifest["folders"] == ["sources", "store"]
    assert "store.json" in manifest["files"]
    nq = manifest["files"]["dataset.nq"]
    assert nq["bytes"] == (build_dir / "dataset.nq").stat().st_size
    assert nq["lines"] == len((build_dir / "dataset.nq").read_bytes().splitlines())


def test_staged_swaps_in_whole_or_not_at_all(tmp_path: Path) -> None:
    """The swap itself, without a whole build: a failure inside leaves the target as it was;
    a target that is a symbolic link stays one, and what it points to is replaced."""
    from reformkg.build_files import seal
    from reformkg.graph.pipeline.publish import staged

    real = tmp_path / "real-build"
    real.mkdir()
    (real / "dataset.nq").write_text("old\n")
    seal(real)
    link = tmp_path / "build"
    link.symlink_to(real)
    with pytest.raises(RuntimeError), staged(link) as fresh:
        (fresh / "dataset.nq").write_text("half")
        raise RuntimeError("the build failed")
    assert (real / "dataset.nq").read_text() == "old\n" and verify(link)
    assert list(tmp_path.glob(".*")) == []
    with staged(link) as fresh:
        (fresh / "dataset.nq").write_text("new\n")
    assert link.is_symlink() and (real / "dataset.nq").read_text() == "new\n"
    assert verify(link)["files"]["dataset.nq"]["lines"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "real-build"]

"""Ground: what a build folder holds, named once for the writer and every reader, and the
manifest that lets a reader tell a whole build from a cut or changed one.

The build writes every output, then `seal` records each file's size, line count and SHA-256 in
manifest.json, and only then is the folder swapped in (reformkg.graph.pipeline.publish). Every
reader opens the build through `reformkg.graph.query.store.dataset_path`, which calls `verify`:
a file missing, cut short (even at a line boundary) or changed is refused with one line, so a
partial graph is never served or exported as whole. The manifest covers files and folders
generically, whatever the build writes, so a new output is covered without naming it here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from pathlib import Path
from typing import Any

from reformkg.errors import BuildInvalid, BuildMissing

__all__ = [
    "DATASET_FILE",
    "DATASET_TRIG",
    "DATASET_TTL",
    "DOWNLOADS",
    "MANIFEST",
    "ONTOLOGY_PAGE",
    "REPORT_JSON",
    "REPORT_MD",
    "SHAPES_FILE",
    "SOURCES_DIR",
    "STORE_DIR",
    "STORE_INFO",
    "TIMINGS",
    "TOP_LEVEL",
    "UNSEALED",
    "inventory",
    "seal",
    "verify",
]

#: Every quad, asserted, derived and inferred, sorted: what the store loads.
DATASET_FILE = "dataset.nq"
#: The default dataset's named graphs (TriG) and their union (Turtle), for users and other tools.
DATASET_TRIG = "dataset.trig"
DATASET_TTL = "dataset.ttl"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
TIMINGS = "timings.json"
#: The ontology's human documentation, served at /ontology.
ONTOLOGY_PAGE = "ontology.html"
#: The source documents exactly as read, so pages can quote printed lines without data/.
SOURCES_DIR = "sources"
#: The on-disk store (pyoxigraph, RocksDB) that serve and its query workers open read-only:
#: every named graph, and the union of the asserted graphs as its default graph.
STORE_DIR = "store"
#: What the store holds, counted when it was written (quads per graph, default-graph triples).
STORE_INFO = "store.json"
#: The SHACL shapes the build validated against, published at /shapes.
SHAPES_FILE = "shapes.ttl"
#: The files served under /download/ (the dumps the dataset description lists).
DOWNLOADS = (DATASET_FILE, DATASET_TRIG, DATASET_TTL)
#: Every other output's size, line count and SHA-256; written last.
MANIFEST = "manifest.json"
#: What builds write at the top of their folder (a build folder holds nothing else).
TOP_LEVEL = frozenset(
    {
        DATASET_FILE,
        DATASET_TRIG,
        DATASET_TTL,
        REPORT_JSON,
        REPORT_MD,
        TIMINGS,
        ONTOLOGY_PAGE,
        SHAPES_FILE,
        SOURCES_DIR,
        STORE_DIR,
        STORE_INFO,
        MANIFEST,
    }
)
#: Paths (relative, with /; fnmatch patterns) the manifest leaves out: itself, the timings,
#: which differ on every run (the rest of a build is byte-identical from the same inputs), and
#: the store's files: RocksDB writes ids and times into them, so two builds of the same inputs
#: differ there. The store folder itself is listed, and what it holds is sealed through
#: store.json (quads per graph), which its reader checks when it opens it
#: (reformkg.graph.query.store.open_store).
UNSEALED = (MANIFEST, TIMINGS, f"{STORE_DIR}/*")
#: The manifest's own format, so a later layout can be told from this one.
FORMAT = 1
_CHUNK = 1 << 20


def _describe(path: Path) -> dict[str, Any]:
    """Size, line count (newline bytes) and SHA-256 of one file, read once in chunks."""
    digest = hashlib.sha256()
    size = lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
    return {"bytes": size, "lines": lines, "sha256": digest.hexdigest()}


def _paths(folder: Path) -> tuple[list[str], list[str]]:
    """The files and the folders under `folder`, relative with /, sorted, UNSEALED left out."""
    files, folders = [], []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in UNSEALED):
            continue
        if path.is_dir():
            folders.append(name)
        else:
            files.append(name)
    return files, folders


def inventory(folder: Path) -> dict[str, Any]:
    """What the manifest of `folder` holds: every file with its figures, every folder."""
    files, folders = _paths(folder)
    return {
        "format": FORMAT,
        "files": {name: _describe(folder / name) for name in files},
        "folders": folders,
    }


def seal(folder: Path) -> dict[str, Any]:
    """Write manifest.json for the outputs in `folder` (the build's last write, before the swap;
    a folder assembled by hand, as some tests do, is sealed the same way)."""
    manifest = inventory(folder)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The manifest of the build in `folder`, once every file and folder it lists is checked.

    BuildMissing when there is no build at all; BuildInvalid, one line naming the first file
    that differs, when the build is incomplete or was changed after it was written.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        if (folder / DATASET_FILE).is_file():
            raise BuildInvalid(
                f"{folder} has no {MANIFEST}: it was not written by a finished `reformkg build` "
                "of this version; run `reformkg build`"
            )
        raise BuildMissing(f"no build output in {folder}: run `reformkg build` first")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = manifest["files"]
        folders: list[str] = manifest["folders"]
        if manifest["format"] != FORMAT:
            raise ValueError(f"format {manifest['format']!r}")
    except (ValueError, KeyError, TypeError) as err:
        raise BuildInvalid(f"{path} cannot be read ({err}): run `reformkg build`") from None
    for name in folders:
        if not (folder / name).is_dir():
            raise BuildInvalid(f"{folder / name}/ is missing: {_AGAIN}")
    for name, recorded in files.items():
        file = folder / name
        if not file.is_file():
            raise BuildInvalid(f"{file} is missing: {_AGAIN}")
        found = _describe(file)
        if found != recorded:
            raise BuildInvalid(
                f"{file} is not the file the build wrote ({_diff(found, recorded)}): {_AGAIN}"
            )
    return dict(manifest)


_AGAIN = (
    f"the build was cut short or changed since it was written ({MANIFEST}); run `reformkg build`"
)


def _diff(found: dict[str, Any], recorded: dict[str, Any]) -> str:
    for key in ("bytes", "lines"):
        if found[key] != recorded.get(key):
            return f"{found[key]} {key}, {recorded.get(key)} recorded"
    return "same size, other content"

"""Build time: a build written into a fresh folder beside its target, then swapped in whole.

Why: a build killed halfway (a signal, a full disk, a crash) must never leave a cut dataset
where a server or an export will read it, nor destroy the previous build. So every output is
written into `.<name>.new-<pid>` beside the target, sealed with its manifest
(reformkg.build_files.seal), and only then exchanged with the target in one step: on Linux the
two folders trade places atomically (renameat2 RENAME_EXCHANGE); where that call is missing
the old folder is renamed aside first, a window of two renames. Until that moment the previous
build stays as it was, and readers keep serving it. A folder left behind by a killed build is
removed by the next build.

The target is replaced whole, so a target holding anything a build does not write is refused
rather than emptied (`reformkg build --out .` must not delete the working folder).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reformkg.build_files import MANIFEST, TOP_LEVEL, seal
from reformkg.errors import ReformKGError

__all__ = ["check_target", "staged"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target` for the build to write into; on a normal exit it is
    sealed and swapped in whole, on an exception removed, and `target` is left untouched."""
    target = _real(target)
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    fresh = target.parent / f".{target.name}.new-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    try:
        yield fresh
        seal(fresh)
        _swap_in(fresh, target)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)  # the new build on failure, else the old one


def check_target(target: Path) -> None:
    """ReformKGError when `target` holds something that is not build output (checked when the
    build starts, so the user learns it before the work, and again before the swap)."""
    target = _real(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise ReformKGError(f"{target} is not a folder: give --out a folder for the build")
    known = TOP_LEVEL | _listed(target)  # a newer build's outputs are in its manifest
    foreign = sorted(p.name for p in target.iterdir() if p.name not in known)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise ReformKGError(
            f"{target} holds files a build does not write ({shown}); a build replaces its "
            "folder whole: give --out a new or empty folder"
        )


def _real(target: Path) -> Path:
    """The folder itself: a symbolic link is followed, so the build replaces what it points
    to (swapping the link would leave the old build behind it)."""
    path = Path(target).absolute()
    return path.resolve() if path.is_symlink() else path


def _listed(target: Path) -> frozenset[str]:
    """The top-level names the manifest of the build in `target` lists (none without one)."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        paths = [*manifest["files"], *manifest["folders"]]
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()
    return frozenset(str(p).split("/", 1)[0] for p in paths)


def _remove_leftovers(target: Path) -> None:
    """Folders of builds into `target` that were killed (their process is gone)."""
    for path in target.parent.glob(f".{target.name}.new-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier build of this process, left by an exception in a test run
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_in(fresh: Path, target: Path) -> None:
    """Put `fresh` at `target`; the previous build, if any, ends up at `fresh` (removed next)."""
    if not target.exists():
        os.rename(fresh, target)
        return
    if _exchange(fresh, target):
        return
    aside = target.parent / f"{fresh.name}.old"
    os.rename(target, aside)
    os.rename(fresh, target)
    os.rename(aside, fresh)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))

"""Memory of a server and its children as the kernel counts it: PSS per process.

PSS (proportional set size, /proc/PID/smaps_rollup) charges each shared page to the processes
that map it in equal parts, so the PSS of a process tree adds up to what the tree really
costs: pages a worker shares with the web process are not counted twice, as RSS would count
them. Pages the kernel keeps in its page cache for files read with read(2) (the store's files)
belong to no process and are not in any PSS; `page_cache_mb` says how much the store has
there.
"""

from __future__ import annotations

from pathlib import Path

import psutil

MB = 1024 * 1024


def _kb(path: Path, field: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def role(proc: psutil.Process) -> str:
    """What a process of a ReformKG server is: web, worker, tracker (multiprocessing's
    resource tracker), or its command name."""
    try:
        cmd = " ".join(proc.cmdline())
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        return "?"
    if "spawn_main" in cmd:
        return "worker"
    if "resource_tracker" in cmd:
        return "tracker"
    if "uvicorn" in cmd or "reformkg" in cmd:
        return "web"
    return proc.name()


def pss_tree(pid: int) -> dict:
    """PSS and RSS (MB) of `pid` and every descendant, and their sum."""
    out = []
    root = psutil.Process(pid)
    for proc in [root, *root.children(recursive=True)]:
        rollup = Path(f"/proc/{proc.pid}/smaps_rollup")
        try:
            pss = _kb(rollup, "Pss") / 1024
            rss = _kb(rollup, "Rss") / 1024
        except (OSError, ValueError):
            continue
        out.append(
            {"pid": proc.pid, "role": role(proc), "pss_mb": round(pss, 1), "rss_mb": round(rss, 1)}
        )
    return {
        "total_pss_mb": round(sum(p["pss_mb"] for p in out), 1),
        "total_rss_mb": round(sum(p["rss_mb"] for p in out), 1),
        "processes": out,
    }


def page_cache_mb(folder: Path) -> float | None:
    """MB of `folder`'s files resident in the page cache (mincore via os.posix_fadvise is not
    available from Python; `fincore` from util-linux is used when present), or None."""
    import shutil
    import subprocess

    fincore = shutil.which("fincore")
    files = [str(p) for p in Path(folder).rglob("*") if p.is_file()]
    if not fincore or not files:
        return None
    done = subprocess.run(
        [fincore, "--bytes", "--noheadings", "--output", "RES", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    return round(sum(int(x) for x in done.stdout.split() if x.isdigit()) / MB, 1)

r"""Virtuoso (Debian `virtuoso-opensource`) as the benchmark's yardstick, started and stopped here.

`Virtuoso.start(folder)` runs `virtuoso-t` on 127.0.0.1 with a virtuoso.ini of its own in
`folder` (free ports, its own database files: the configuration tests/test_virtuoso.py uses),
`load_union(build_dir)` loads the asserted union of a build (the endpoint's default graph)
with Virtuoso's bulk loader into one graph, `UNION_GRAPH`, and `stop()` ends the server by its
PID. Queries then go to `{base}/sparql` with `default-graph-uri=UNION_GRAPH`: Virtuoso answers
from one graph, its fastest case.

The union is loaded from N-Triples written from dataset.nq (every quad outside graph/inferred,
without its graph, repeats dropped), not from dataset.ttl: Virtuoso 7.2's Turtle reader keeps
the backslash of an escaped `/` in a prefixed name (`id:theme\/x` becomes `…theme\/x`), so
every IRI written that way would differ.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
#: The graph that holds the asserted union (dataset.ttl) in the benchmark's Virtuoso.
UNION_GRAPH = "urn:reformkg:bench:asserted-union"

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}{extra_dirs}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 8
ServerThreads = 8
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 30
MaxQueryCostEstimationTime = 400
"""


def write_union(dataset_nq: Path, out: Path) -> int:
    """N-Triples of the asserted union: dataset.nq's lines outside graph/inferred without their
    graph, repeats dropped (dataset.nq is sorted, so repeats are neighbours). Returns the
    number of triples."""
    from reformkg.vocab import INFERRED_GRAPH

    inferred = f"<{INFERRED_GRAPH}> .\n"
    last, count = "", 0
    with dataset_nq.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip() or line.endswith(inferred):
                continue
            triple = line[: line.rstrip(" .\n").rfind(" <")] + " .\n"
            if triple != last:
                dst.write(triple)
                last, count = triple, count + 1
    return count


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_ini(
    folder: Path, sql: int, http: int, *, buffers: int = 10_000, dirs: tuple[Path, ...] = ()
) -> Path:
    """virtuoso.ini in `folder`: its database there, listening on 127.0.0.1 only. `buffers` are
    8 kB pages of Virtuoso's cache (10,000 = 80 MB; the benchmark gives it as many as a 100×
    database needs); `dirs` are folders the bulk loader may read."""
    ini = folder / "virtuoso.ini"
    extra = "".join(f", {d}" for d in dirs)
    ini.write_text(
        INI.format(
            d=folder,
            sql=sql,
            http=http,
            buffers=buffers,
            dirty=buffers * 3 // 4,
            extra_dirs=extra,
        )
    )
    return ini


@dataclass
class Virtuoso:
    """A running virtuoso-t of our own (stopped by its PID)."""

    proc: subprocess.Popen[bytes]
    folder: Path
    sql_port: int
    base: str

    @property
    def endpoint(self) -> str:
        return f"{self.base}/sparql"

    @classmethod
    def start(
        cls,
        folder: Path,
        *,
        buffers: int = 10_000,
        dirs: tuple[Path, ...] = (),
        ready_seconds: float = 120,
    ) -> Virtuoso:
        if VIRTUOSO is None:
            raise RuntimeError("virtuoso-t is not installed (Debian package virtuoso-opensource)")
        folder = folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        sql, http = free_port(), free_port()
        ini = write_ini(folder, sql, http, buffers=buffers, dirs=dirs)
        log = (folder / "stdout.txt").open("wb")
        proc = subprocess.Popen(
            [VIRTUOSO, "-f", "-c", str(ini)], cwd=folder, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        server = cls(proc, folder, sql, f"http://127.0.0.1:{http}")
        deadline = time.monotonic() + ready_seconds
        while True:
            if proc.poll() is not None:
                tail = (folder / "stdout.txt").read_text(errors="replace")[-800:]
                raise RuntimeError(f"virtuoso-t exited: {tail}")
            try:
                probe = httpx.get(server.endpoint, params={"query": "ASK {}"}, timeout=2)
                if probe.status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"virtuoso did not start within {ready_seconds:.0f} s")
            time.sleep(0.5)

    def isql(self, script: str, timeout: float = 3600) -> str:
        """Run SQL statements with isql (user dba, the default password of a fresh database)."""
        if ISQL is None:
            raise RuntimeError("isql-vt is not installed (Debian package virtuoso-opensource)")
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", "VERBOSE=OFF", f"EXEC={script}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {(done.stdout + done.stderr).strip()[-800:]}")
        return done.stdout

    def load_union(self, build_dir: Path) -> float:
        """Bulk-load the union of the build's asserted graphs into UNION_GRAPH; return the
        seconds it took (load and checkpoint; writing the N-Triples file not counted)."""
        nt = self.folder / "asserted-union.nt"
        write_union(Path(build_dir) / "dataset.nq", nt)
        started = time.perf_counter()
        self.isql(
            f"ld_dir('{self.folder}', '{nt.name}', '{UNION_GRAPH}'); rdf_loader_run(); checkpoint;"
        )
        return time.perf_counter() - started

    def count(self) -> int:
        """Triples in UNION_GRAPH."""
        response = httpx.get(
            self.endpoint,
            params={
                "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                "default-graph-uri": UNION_GRAPH,
            },
            headers={"Accept": "application/sparql-results+json"},
            timeout=300,
        )
        response.raise_for_status()
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    def restart_seconds(self, ready_seconds: float = 300) -> float:
        """Stop the server and start it again on the same database: seconds to the first
        answer (its cold start with a loaded database)."""
        self.stop()
        ini = self.folder / "virtuoso.ini"
        started = time.perf_counter()
        log = (self.folder / "stdout.txt").open("ab")
        self.proc = subprocess.Popen(
            [VIRTUOSO or "virtuoso-t", "-f", "-c", str(ini)],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("virtuoso-t exited on restart")
            try:
                probe = httpx.get(
                    self.endpoint,
                    params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": UNION_GRAPH},
                    timeout=2,
                )
                if probe.status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("virtuoso did not restart in time")

    def stop(self) -> None:
        """SIGTERM by PID (a checkpoint on the way out), SIGKILL if it does not end."""
        if self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

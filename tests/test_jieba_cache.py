"""jieba's dictionary is read from the build's cache folder (issue 16): written there once,
atomically by jieba, and read back by the next build instead of being rebuilt."""

from __future__ import annotations

import marshal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from checkout import ROOT

CUT = (
    "from pathlib import Path; import sys; from reformkg.etl import similarity; "
    "similarity.load_dictionary(Path(sys.argv[1])); print('/'.join(similarity.cut('鑫龘鑫')))"
)


def _cut_in_a_fresh_process(cache: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CUT, str(cache)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout.strip()


def test_dictionary_cache_is_written_then_read(tmp_path: Path) -> None:
    cache = tmp_path / "build.cache"
    plain = _cut_in_a_fresh_process(cache)
    written = cache / f"jieba-{version('jieba')}.cache"
    assert written.stat().st_size > 1_000_000, "the whole prefix dictionary"
    assert [p.name for p in cache.iterdir()] == [written.name], "no temporary file left"
    # A cache holding one word: the next process must cut with it, so it read the cache.
    written.write_bytes(marshal.dumps(({"鑫": 0, "鑫龘": 100, "龘": 1}, 101)))
    assert plain != "鑫龘/鑫"
    assert _cut_in_a_fresh_process(cache) == "鑫龘/鑫"

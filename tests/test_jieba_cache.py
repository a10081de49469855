"""jieba's dictionary and the words it cut are kept in the build's cache folder (issue 16):
written there atomically, read back by the next build instead of being made again, and not
used when the file is damaged, of another format or of another jieba version."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from reformkg.etl import jieba_cache

from checkout import ROOT

JIEBA = version("jieba")
CUT = (
    "from pathlib import Path; import sys; from reformkg.etl import similarity; "
    "similarity.use_cache(Path(sys.argv[1])); print('/'.join(similarity.cut(sys.argv[2]))); "
    "similarity.keep_cuts(); print('jieba' in sys.modules)"
)


def _cut_in_a_fresh_process(cache: Path, text: str = "鑫龘鑫") -> tuple[str, bool]:
    """The words of `text` and whether jieba was imported, in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", CUT, str(cache), text], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    words, imported = done.stdout.split()
    return words, imported == "True"


def test_dictionary_and_cuts_are_written_then_read(tmp_path: Path) -> None:
    cache = tmp_path / "build.cache"
    plain, imported = _cut_in_a_fresh_process(cache)
    assert imported
    dictionary = jieba_cache.dictionary_file(cache, JIEBA)
    cuts = jieba_cache.cuts_file(cache, JIEBA)
    assert dictionary.stat().st_size > 1_000_000, "the whole prefix dictionary"
    assert sorted(p.name for p in cache.iterdir()) == sorted([dictionary.name, cuts.name])
    assert jieba_cache.read_cuts(cuts, JIEBA) == {"鑫龘鑫": tuple(plain.split("/"))}
    # The text was cut before: the next process answers from the cuts, without jieba.
    assert _cut_in_a_fresh_process(cache) == (plain, False)
    # A cuts file saying otherwise is what the next process answers: it read the file.
    jieba_cache.write_cuts(cuts, {"鑫龘鑫": ("鑫", "龘鑫")}, JIEBA)
    assert plain != "鑫/龘鑫"
    assert _cut_in_a_fresh_process(cache) == ("鑫/龘鑫", False)
    # A new text is cut with the dictionary in the folder: one holding one word cuts by it.
    jieba_cache.write_dictionary(dictionary, {"鑫": 0, "鑫龘": 100, "龘": 1}, 101, JIEBA)
    assert _cut_in_a_fresh_process(cache, "龘鑫龘鑫") == ("龘/鑫龘/鑫", True)
    assert set(jieba_cache.read_cuts(cuts, JIEBA) or {}) == {"龘鑫龘鑫"}, "this process's cuts"


def test_the_dictionary_read_back_is_jiebas(tmp_path: Path) -> None:
    import jieba

    tokenizer = jieba.Tokenizer()
    freq, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    path = tmp_path / "d"
    jieba_cache.write_dictionary(path, freq, total, JIEBA)
    read = jieba_cache.read_dictionary(path, JIEBA)
    assert read is not None
    assert read[1] == total
    assert list(read[0].items()) == list(freq.items())


def _damaged(kind: str, path: Path) -> None:
    data = path.read_bytes()
    if kind == "truncated":
        path.write_bytes(data[:-3])
    elif kind == "one byte changed":
        path.write_bytes(data[:-2] + bytes([data[-2] ^ 1]) + data[-1:])
    elif kind == "no header":
        path.write_bytes(data[: data.index(b"\n") + 1])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other format":
        path.write_bytes(b"x" + data)


KINDS = ["truncated", "one byte changed", "no header", "empty", "other format", "missing"]


DICTIONARY = ({"鑫": 0, "鑫龘": 100, "龘": 1}, 101)
CUTS = {"知识产权证券化": ("知识产权", "证券化")}
FILES = {
    "dictionary": (
        lambda p: jieba_cache.write_dictionary(p, *DICTIONARY, JIEBA),
        jieba_cache.read_dictionary,
        DICTIONARY,
    ),
    "cuts": (lambda p: jieba_cache.write_cuts(p, CUTS, JIEBA), jieba_cache.read_cuts, CUTS),
}


@pytest.mark.parametrize("file", FILES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_file_is_not_read(tmp_path: Path, file: str, kind: str) -> None:
    write, read, content = FILES[file]
    path = tmp_path / file
    write(path)
    assert read(path, JIEBA) == content
    assert read(path, JIEBA + ".1") is None, "another jieba"
    if kind == "missing":
        path.unlink()
    else:
        _damaged(kind, path)
    assert read(path, JIEBA) is None


def test_cuts_whose_words_do_not_make_their_text_are_not_read(tmp_path: Path) -> None:
    """A whole, unaltered file written with a wrong cut (a bug, another program) is refused:
    jieba's words without HMM always join back into the text."""
    path = tmp_path / "c"
    jieba_cache.write_cuts(path, {"知识产权证券化": ("知识产权", "证券")}, JIEBA)
    assert jieba_cache.read_cuts(path, JIEBA) is None


def test_the_same_cuts_give_the_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    jieba_cache.write_cuts(a, {"乙": ("乙",), "甲乙": ("甲", "乙")}, JIEBA)
    jieba_cache.write_cuts(b, {"甲乙": ("甲", "乙"), "乙": ("乙",)}, JIEBA)
    assert a.read_bytes() == b.read_bytes()

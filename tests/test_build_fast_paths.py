"""The build's fast paths give what their plain definitions give (issue 16, the build's middle).

Each fast path replaced a Python loop that was seconds of a 100x build; each is compared here,
on generated inputs, with the loop it replaced (kept in the code as the definition):
- the theme vocabulary's regex (etl/themes.py `_match`) with forward maximum matching one
  position at a time (`_match_loop`);
- `repeated_run`'s early answer for texts with no repeated gram (etl/text.py) with the plain
  scan of every gram (`_scan`);
- `to_simplified`'s trigger set (reformkg/script.py) with OpenCC's own conversion: a text with
  none of the trigger characters is left as it is by OpenCC.
That the build's files came out byte-identical before and after these changes was checked by
their digests (docs/performance.md, "Build (issue 16)").
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reformkg import script
from reformkg.etl.text import _scan, repeated_run
from reformkg.etl.themes import Vocabulary, _match, _match_loop, load_vocabulary, normalise

from checkout import ROOT

VOCAB: Vocabulary = load_vocabulary(ROOT / "ontology")
# Pieces of texts: whole terms (so that overlapping and nested terms meet), their prefixes and
# suffixes (so that a longer term can fail half-way), and characters of no term.
_TERMS = sorted(VOCAB.term_concepts)
_PIECES = sorted(
    {t for t in _TERMS}
    | {t[: len(t) // 2 + 1] for t in _TERMS}
    | {t[len(t) // 2 :] for t in _TERMS}
    | set("的和在推进。，ABC1 ")
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_the_vocabulary_regex_is_forward_maximum_matching(pieces: list[str]) -> None:
    text = normalise("".join(pieces))
    assert _match(text, VOCAB) == _match_loop(text, VOCAB)


def test_the_regex_takes_the_longest_term_and_consumes_it() -> None:
    text = normalise("开展知识产权证券化试点，保护知识产权")
    assert _match(text, VOCAB) == _match_loop(text, VOCAB) == ["知识产权证券化", "知识产权"]


def _repeated_run_by_every_gram(text: str, width: int = 10) -> str | None:
    """repeated_run without the early answer: the scan over every gram (the definition)."""
    return _scan([text[i : i + width] for i in range(len(text) - width + 1)], text, width)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="改革试点深圳企业服务数据", max_size=60),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=2, max_value=12),
)
def test_repeated_run_early_answer_changes_nothing(
    text: str, at: int, length: int, width: int
) -> None:
    doubled = text[:at] + text[at : at + length] + text[at:]  # a run printed twice, maybe
    for t in (text, doubled):
        assert repeated_run(t, width) == _repeated_run_by_every_gram(t, width)


_SOME_TRIGGERS = sorted(script._triggers())[::97]  # a spread of the few thousand


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="改革试点深圳企业服务数据的和。ABC1 " + "".join(_SOME_TRIGGERS), max_size=30)
)
def test_to_simplified_skips_only_what_opencc_leaves_unchanged(text: str) -> None:
    expected = script._convert(text)
    if len(expected) == len(text):
        assert script.to_simplified(text) == expected
    if script._triggers().isdisjoint(text):
        assert expected == text

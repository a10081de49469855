"""The benchmark rewrites the generated part of docs/performance.md and keeps the notes written
by hand below its marker, whichever command an older marker names."""

from __future__ import annotations

from pathlib import Path

from bench.run import NOTES_MARKER, _write_doc


def test_hand_notes_survive_a_rewrite_under_an_older_marker(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    old_marker = (
        "<!-- notes: text below this line is written by hand; `reformkg bench` keeps it -->"
    )
    doc.write_text(f"# old tables\n{old_marker}\n## Build (by hand)\nkept\n", encoding="utf-8")
    _write_doc(doc, "# new tables")
    assert (
        doc.read_text(encoding="utf-8")
        == f"# new tables\n{NOTES_MARKER}\n## Build (by hand)\nkept\n"
    )


def test_the_docs_page_carries_the_marker_the_benchmark_looks_for() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "performance.md").read_text("utf-8")
    assert NOTES_MARKER in page

"""One folder per parsing case (STYLE.md anchor 3): input cut from a real document, expected
records written by reading it, and this one test asserting that they match.

Each tests/fixtures/<case>/expected.json says in its "why" which irregularity the cut shows.
A case either parses to the expected documents (sections, measures with their key fields,
warnings, unparsed lines, metadata) or fails with the expected InputError (file, line, message).
Only the fields an expectation lists are compared, so an expectation states what was read.
"""

from __future__ import annotations

import pytest

from reformkg.errors import InputError
from reformkg.etl.documents import parse_all
from reformkg.etl.records import Measure, ParsedDocument

from parse_fixtures import cases, data_folder, expected, settings_for


def _refs(refs, attr: str) -> list[str]:
    return [getattr(r, attr) for r in refs]


# How each key of an expected measure is read from a Measure record.
FIELDS = {
    "number": lambda m: m.number,
    "part": lambda m: m.part,
    "number_label": lambda m: m.number_label,
    "starred": lambda m: m.starred,
    "name": lambda m: m.name.clean,
    "name_raw": lambda m: m.name.raw,
    "section": lambda m: m.section,
    "line_start": lambda m: m.line_start,
    "line_end": lambda m: m.line_end,
    "points": lambda m: len(m.practice_points),
    "first_point": lambda m: m.practice_points[0],
    "practice": lambda m: m.practice.clean,
    "practice_prefix": lambda m: m.practice.clean,
    "effect": lambda m: m.effect.clean if m.effect else None,
    "effect_prefix": lambda m: m.effect.clean if m.effect else None,
    "places": lambda m: list(m.places),
    "places_raw": lambda m: m.places_raw,
    "scope": lambda m: list(m.scope),
    "lead_raw": lambda m: m.lead_raw,
    "lead": lambda m: _refs(m.lead, "canonical"),
    "lead_levels": lambda m: _refs(m.lead, "level"),
    "lead_notes": lambda m: _refs(m.lead, "note"),
    "responsible_raw": lambda m: m.responsible_raw,
    "responsible": lambda m: _refs(m.responsible, "canonical"),
    "responsible_levels": lambda m: _refs(m.responsible, "level"),
    "deadline_text": lambda m: m.deadline_text,
    "deadline_date": lambda m: m.deadline_date,
    "flags": lambda m: sorted(m.flags),
    "duplicated": lambda m: list(m.duplicated),
    "practice_contains_twice": lambda m: m.practice.clean,
}
PREFIX_KEYS = {"practice_prefix", "effect_prefix"}


def _check_measure(actual: Measure, want: dict, where: str) -> list[str]:
    problems = []
    for key, value in want.items():
        got = FIELDS[key](actual)
        if key in PREFIX_KEYS:
            ok = isinstance(got, str) and got.startswith(value)
        elif key == "practice_contains_twice":
            ok = got.count(value) == 2
        elif key == "flags":
            ok, value = got == sorted(value), sorted(value)
        else:
            ok = got == value
        if not ok:
            problems.append(f"{where} {key}: expected {value!r}, got {got!r}")
    return problems


def _check_document(doc: ParsedDocument, want: dict) -> list[str]:
    problems = []
    meta = doc.meta

    def same(label, got, value):
        if got != value:
            problems.append(f"{label}: expected {value!r}, got {got!r}")

    same("layout", meta.layout, want["layout"])
    same(
        "sections",
        [
            {
                "index": s.index,
                "title": s.title,
                "line": s.line,
                "declared": s.declared_count,
                "inferred": s.inferred,
            }
            for s in doc.sections
        ],
        want["sections"],
    )
    same("measure count", len(doc.measures), want["measure_count"])
    by_key = {(m.number, m.part): m for m in doc.measures}
    same("distinct (number, part) keys", len(by_key), len(doc.measures))
    for w in want["measures"]:
        key = (w["number"], w["part"])
        if key not in by_key:
            problems.append(f"no measure {key}; have {sorted(by_key, key=str)}")
            continue
        problems += _check_measure(by_key[key], w, f"measure {key}")
    same("unparsed lines", [u.line for u in doc.unparsed], want["unparsed"])
    same("warning count", len(doc.warnings), len(want["warnings"]))
    for w in want["warnings"]:
        hits = [
            x
            for x in doc.warnings
            if x.line == w["line"] and all(s in x.message for s in w["contains"])
        ]
        if not hits:
            problems.append(
                f"no warning on line {w['line']} containing {w['contains']}: "
                f"{[(x.line, x.message) for x in doc.warnings]}"
            )
    for key, value in want.get("meta", {}).items():
        if key == "previous_batch_contains":
            if value not in meta.previous_batch_text:
                problems.append(f"previous batch text {meta.previous_batch_text!r} lacks {value!r}")
        else:
            same(f"meta.{key}", getattr(meta, key), value)
    for kind, n in want.get("layout_lines", {}).items():
        same(f"layout lines {kind!r}", doc.layout_lines.get(kind, 0), n)
    return problems


@pytest.mark.parametrize("case", cases())
def test_case(case: str, tmp_path) -> None:
    want = expected(case)
    settings = settings_for(data_folder(case, tmp_path), tmp_path / "build")
    if "error" in want:
        e = want["error"]
        with pytest.raises(InputError) as info:
            parse_all(settings)
        err = info.value
        if e["manifest"]:
            assert err.file == str(settings.manifest), err
        else:
            assert err.file == e["file"], err
        assert err.line == e["line"], f"{case}: expected line {e['line']}, got: {err}"
        for text in e["contains"]:
            assert text in str(err), f"{case}: {text!r} not in {str(err)!r}"
        return
    docs = parse_all(settings)
    assert [d.meta.doc_id for d in docs] == [d["id"] for d in want["documents"]]
    problems = []
    for doc, doc_want in zip(docs, want["documents"], strict=True):
        problems += _check_document(doc, doc_want)
    assert not problems, f"{case} ({want['why']}):\n" + "\n".join(problems)

"""The theme model (etl/theme_model.py): examples file, training and decisions.

The model is fitted to data/theme_examples.csv on every build; these tests hold the properties
the product relies on: a bad examples row stops with its file and line, training is
deterministic and never lets an example be its own neighbour, a measure that restates an example
takes its themes with the example named as evidence, every theme kept has a term in the text,
and a traditional printing gets the themes of its simplified one. Its out-of-fold quality is
tested in tests/test_themes.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.theme_examples import example_row
from reformkg.errors import InputError
from reformkg.etl import theme_model as tm
from reformkg.etl.themes import TEXT_FIELDS, classify_all, load_vocabulary
from reformkg.vocab import measure_path

from checkout import ROOT

VOCAB = load_vocabulary(ROOT / "ontology")
EXAMPLES = tm.load_examples(ROOT / "data" / tm.EXAMPLES_FILE, VOCAB)


@pytest.fixture(scope="module")
def model() -> tm.ThemeModel:
    fitted = tm.train(EXAMPLES, VOCAB)
    assert fitted is not None
    return fitted


def write(path: Path, rows: list[dict[str, str]], columns=tm.COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(**changes: str) -> dict[str, str]:
    base = {
        "example": "d/1",
        "themes": "tax",
        "name": "推行要素化纳税申报",
        "practice": "纳税人在线申报",
        "effect": "",
        "lead": "国家税务总局深圳市税务局",
        "responsible": "",
    }
    return base | changes


def test_bundled_examples_are_the_blind_labels_of_bundled_measures(parsed_docs):
    """Each example names a measure of the bundle, with its printed name and the themes the
    blind reading gave it (the file is written by bench/theme_examples.py)."""
    measures = {
        measure_path(m.doc_id, m.number, m.part): m for d in parsed_docs for m in d.measures
    }
    with (ROOT / "tests/data/theme_labels_blind.csv").open(encoding="utf-8", newline="") as fh:
        gold = {
            measure_path(r["doc_id"], r["number"], int(r["part"]) if r["part"] else None): r[
                "themes"
            ]
            for r in csv.DictReader(fh)
        }
    assert len(EXAMPLES) == len(gold) == 200
    for ex in EXAMPLES:
        m = measures[ex.id]
        assert ";".join(ex.themes) == gold[ex.id]
        assert example_row(m, ex.themes)["name"] == m.name.clean


@pytest.mark.parametrize(
    ("rows", "columns", "line", "words"),
    [
        ([row()], tm.COLUMNS[:-1], 1, "missing column(s) responsible"),
        ([row(themes="tax;no-such-theme")], tm.COLUMNS, 2, "not in the scheme: no-such-theme"),
        ([row(), row(example="d/1")], tm.COLUMNS, 3, "repeated"),
        ([row(themes="")], tm.COLUMNS, 2, "no themes"),
        ([row(name=" ")], tm.COLUMNS, 2, "no name"),
    ],
)
def test_a_bad_examples_row_names_file_and_line(tmp_path, rows, columns, line, words):
    path = write(tmp_path / "theme_examples.csv", rows, columns)
    with pytest.raises(InputError) as err:
        tm.load_examples(path, VOCAB)
    assert err.value.line == line and words in str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_no_examples_no_model(tmp_path):
    """A missing file gives no examples; with none the build falls back on the term rule."""
    assert tm.load_examples(tmp_path / "absent.csv", VOCAB) == []
    assert tm.train([], VOCAB) is None
    path = write(tmp_path / "theme_examples.csv", [row(themes="none", example="d/2")])
    assert tm.load_examples(path, VOCAB)[0].themes == ()


def test_training_is_deterministic_and_leaves_each_example_out(model):
    again = tm.train(list(EXAMPLES), VOCAB)
    assert again is not None and again.weights == model.weights
    assert len(model.weights) == len(tm.FEATURES) + 1
    bags = [tm._bag(tm.find_evidence(ex.fields, VOCAB).texts) for ex in EXAMPLES[:20]]
    near = model.index.neighbours(bags, exclude=range(len(bags)))
    assert all(i != own for own, found in enumerate(near) for _, i in found)
    assert all(len(found) <= tm.K_NEIGHBOURS for found in near)
    assert [s for s, _ in near[0]] == sorted((s for s, _ in near[0]), reverse=True)


def test_learned_weights_read_as_the_evidence_does(model):
    """What the examples taught: a term in the name counts more than one in the practice text,
    and the examples' vote counts (their weights are positive)."""
    w = dict(zip(tm.FEATURES, model.weights, strict=False))
    assert w["name"] > w["practice"] > 0
    assert w["examples"] > 0 and w["share"] > 0


def test_a_restated_example_takes_its_themes_with_the_example_as_evidence(model):
    """A measure worded like an example (the same reform restated) gets the example's top
    concepts, and the example is named behind each."""
    ex = next(e for e in EXAMPLES if e.id == "qhsk-ftz-b6/23")  # 知识产权检察研究机构
    fields = dict(ex.fields) | {"name": ex.fields["name"] + "建设"}
    hits = classify_all([fields], VOCAB, model)[0]
    tops = {t for h in hits for t in VOCAB.tops[h.theme_id]}
    assert tops == {t for theme in ex.themes for t in VOCAB.tops[theme]}
    assert all(ex.id in h.examples for h in hits)


def test_every_kept_theme_has_a_term_in_the_text(model):
    fields = [ex.fields for ex in EXAMPLES[:60]] + [
        {"name": "某项改革", "practice": "持续巩固提升", "lead-agency": "深圳市中级人民法院"}
    ]
    results = classify_all(fields, VOCAB, model)
    assert results[-1] == []  # an agency alone is no theme
    for hits in results[:-1]:
        assert 1 <= len(hits) <= 4
        assert all(set(h.fields) & TEXT_FIELDS and h.terms for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_own_terms_marks_the_themes_the_term_rule_gives_too(model):
    """A model's hit says whether the term rule alone gives the same theme (ThemeHit.own_terms:
    what the linker may count as shared context); the rule's own hits always do."""
    fields = [ex.fields for ex in EXAMPLES]
    learned = classify_all(fields, VOCAB, model)
    rule = classify_all(fields, VOCAB)
    assert all(h.own_terms for hits in rule for h in hits)
    for by_model, by_rule in zip(learned, rule, strict=True):
        own = {h.theme_id for h in by_rule}
        assert all(h.own_terms == (h.theme_id in own) for h in by_model)
    marks = {h.own_terms for hits in learned for h in hits}
    assert marks == {True, False}  # the model adds themes the rule does not give, and keeps most


def test_traditional_printing_gets_the_same_themes(model):
    import opencc

    s2t = opencc.OpenCC("s2t").convert
    fields = [dict(ex.fields) for ex in EXAMPLES[:40]]
    printed = [{k: s2t(v) for k, v in f.items()} for f in fields]
    assert classify_all(printed, VOCAB, model) == classify_all(fields, VOCAB, model)

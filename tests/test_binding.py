"""The named questions, as the endpoint runs them, answer exactly as their plain forms (issue 16).

The endpoint runs queries/*.rq shaped for the on-disk store (scans joined by hash in
subqueries, printed texts chosen among the rows found) with their values bound in VALUES
blocks where their `# VALUES` comments say. tests/data/plain-questions/ keeps the plain form of
each reshaped question (one pattern per fact, looked up measure by measure: the form they had
before; README there), and a plain form with its values bound by SEP-0007 substitution is the
reference: the same rows for every question, with its defaults and with the values the other
tests use, on both datasets, on the bundled documents and on the same documents printed in
traditional and in mixed characters (so the choice of the printed text is checked too).
Questions that were not reshaped are compared with themselves bound by substitution.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from reformkg.graph.query.named import bind, job_for, list_queries, parse_query_file
from reformkg.graph.query.store import BuildStore, from_tuple, open_store, solutions
from reformkg.graph.query.worker import dataset_options
from reformkg.settings import Settings

from checkout import ROOT

PLAIN = ROOT / "tests" / "data" / "plain-questions"
QUERIES = {q.name: q for q in list_queries(Settings.defaults().queries_dir)}
CASES = [(name, {}) for name in QUERIES] + [
    ("agency-workload", {"doc": "qhsk-ftz-b6"}),
    ("deadlines-by-month", {"agency": "深圳市市场监督管理局"}),
    ("measures-by-theme", {"theme": "", "place": "xiamen"}),
    ("measures-by-theme", {"theme": "bankruptcy-exit"}),
    ("overdue-measures", {"asOf": "2022-10-01", "agency": "深圳市市场监督管理局"}),
    ("overdue-measures", {"asOf": "2023-06-30"}),
    ("measures-of-agency", {"agency": "深圳市发展和改革委员会"}),
    ("measures-without-lead", {"doc": "ccr-practices-undated"}),
    ("full-text-search", {"q": "APP"}),
    ("full-text-search", {"q": "2023"}),  # caseless, not Chinese: the short way
    ("co-responsibility-pairs", {"minShared": "5"}),
    ("nationwide-by-theme", {"scope": "具备条件地区"}),
    ("cross-document-links", {"minScore": "0.6"}),
    ("themes-per-agency", {"agency": "深圳市市场监督管理局"}),
    ("evolution-chains", {"measure": "https://w3id.org/reformkg/id/measure/qhsk-ftz-b6/2"}),
]


def _rows(result: ox.QuerySolutions) -> list[tuple[str, ...]]:
    """Rows as N-Triples terms, sorted; a GROUP_CONCAT's parts sorted too (their order, like
    the order of rows that tie in ORDER BY, is the engine's)."""
    names = [v.value for v in result.variables]

    def cell(term: object) -> str:
        if term is None:
            return "(unbound)"
        if isinstance(term, ox.Literal) and "; " in term.value:
            return "; ".join(sorted(term.value.split("; ")))
        return str(term)

    return sorted(tuple(cell(s[n]) for n in names) for s in result)


@pytest.fixture(scope="module", params=["simplified", "traditional", "mixed"])
def printed_store(request, build_dir: Path, tmp_path_factory) -> BuildStore:
    """The bundled documents' build, and builds of them printed in traditional and in mixed
    characters (tests/test_traditional.py converts them)."""
    if request.param == "simplified":
        return open_store(build_dir)
    from test_traditional import SCRIPTS, converted_folder

    from reformkg.graph.pipeline.build import build

    folder = tmp_path_factory.mktemp(f"{request.param}-binding")
    settings = converted_folder(folder / "data", SCRIPTS[request.param])
    build(replace(settings, build_dir=folder / "build"))
    return open_store(folder / "build")


@pytest.mark.parametrize("inference", [False, True], ids=["asserted", "inference"])
@pytest.mark.parametrize(
    ("name", "values"), CASES, ids=[f"{n}-{'-'.join(v) or 'defaults'}" for n, v in CASES]
)
def test_question_answers_as_its_plain_form(
    printed_store: BuildStore, name: str, values: dict[str, str], inference: bool
) -> None:
    query = QUERIES[name]
    job = job_for(query, values, inference=inference)
    options = dataset_options(printed_store, job)
    got = solutions(printed_store.query(job.query, **options))  # type: ignore[arg-type]
    plain = PLAIN / f"{name}.rq"
    reference = parse_query_file(plain) if plain.is_file() else query
    substitutions = {ox.Variable(k): from_tuple(v) for k, v in bind(reference, values).items()}
    expected = solutions(
        printed_store.query(reference.text, substitutions=substitutions or None, **options)  # type: ignore[arg-type]
    )
    assert [v.value for v in got.variables] == [v.value for v in expected.variables]
    rows = _rows(expected)
    assert _rows(got) == rows
    if values and name != "measures-by-theme":
        assert rows, "a case that finds nothing tests little"


def test_every_plain_form_is_a_question_of_the_same_name_and_parameters() -> None:
    for path in sorted(PLAIN.glob("*.rq")):
        plain, query = parse_query_file(path), QUERIES[path.stem]
        assert [p.name for p in plain.params] == [p.name for p in query.params], path.name


#: Questions whose order is by keys the query makes (tests the keys keep the promised order):
#: the projected columns of the promise, each ascending (+1) or descending (-1).
PROMISED_ORDER = {
    "themes-per-agency": [("agencyLabel", 1), ("measures", -1), ("theme", 1)],
    "co-responsibility-pairs": [("shared", -1), ("labelA", 1), ("labelB", 1)],
    "deadlines-by-month": [("month", 1), ("measures", -1), ("label", 1)],
}


@pytest.mark.parametrize("name", sorted(PROMISED_ORDER))
def test_rows_come_in_the_promised_order(printed_store: BuildStore, name: str) -> None:
    """SPARQL orders strings by code point and numbers by value; so does this key, so every
    pair of neighbouring rows must compare in order on the promised columns."""
    job = job_for(QUERIES[name], {})
    result = solutions(printed_store.query(job.query, **dataset_options(printed_store, job)))  # type: ignore[arg-type]
    names = [v.value for v in result.variables]
    rows = [{n: s[n] for n in names} for s in result]
    assert len(rows) > 5, "a short answer tests little"

    def key(row: dict) -> tuple:
        parts = []
        for column, direction in PROMISED_ORDER[name]:
            term = row[column]
            if isinstance(term, ox.Literal) and term.datatype.value.endswith("#integer"):
                parts.append(direction * int(term.value))
            else:  # the promised text columns are all ascending
                assert direction > 0, column
                parts.append(term.value)
        return tuple(parts)

    keys = [key(r) for r in rows]
    assert keys == sorted(keys)

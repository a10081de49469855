"""Named-question parameters bound as VALUES answer exactly as SEP-0007 substitution (issue 16).

The endpoint binds a question's values in a VALUES block opening the query (faster: the
optimiser sees it; graph/query/named.py says by how much). Substitution is the reference: the
same rows, in the same order, for every question with its defaults and with the values the
other tests use, on both datasets.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from reformkg.graph.query.named import bind, job_for, list_queries
from reformkg.graph.query.store import BuildStore, from_tuple, solutions
from reformkg.graph.query.worker import dataset_options
from reformkg.settings import Settings

QUERIES = {q.name: q for q in list_queries(Settings.defaults().queries_dir)}
CASES = [(name, {}) for name in QUERIES] + [
    ("agency-workload", {"doc": "qhsk-ftz-b6"}),
    ("measures-by-theme", {"theme": "", "place": "xiamen"}),
    ("measures-by-theme", {"theme": "bankruptcy-exit"}),
    ("overdue-measures", {"asOf": "2022-10-01", "agency": "深圳市市场监督管理局"}),
    ("overdue-measures", {"asOf": "2023-06-30"}),
    ("measures-of-agency", {"agency": "深圳市市场监督管理局"}),
    ("full-text-search", {"q": "APP"}),
    ("co-responsibility-pairs", {"minShared": "5"}),
    ("nationwide-by-theme", {"scope": "具备条件地区"}),
    ("cross-document-links", {"minScore": "0.6"}),
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


@pytest.mark.parametrize("inference", [False, True], ids=["asserted", "inference"])
@pytest.mark.parametrize(
    ("name", "values"), CASES, ids=[f"{n}-{'-'.join(v) or 'defaults'}" for n, v in CASES]
)
def test_values_block_answers_as_substitution(
    store: BuildStore, name: str, values: dict[str, str], inference: bool
) -> None:
    query = QUERIES[name]
    job = job_for(query, values, inference=inference)
    options = dataset_options(store, job)
    by_values = solutions(store.query(job.query, **options))  # type: ignore[arg-type]
    substitutions = {ox.Variable(k): from_tuple(v) for k, v in bind(query, values).items()}
    by_substitution = solutions(
        store.query(query.text, substitutions=substitutions or None, **options)  # type: ignore[arg-type]
    )
    expected = _rows(by_substitution)
    assert _rows(by_values) == expected
    if values:
        assert expected or name in {"measures-by-theme"}, "a case that binds nothing tests little"

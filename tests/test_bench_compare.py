"""The benchmark's paired rounds count the rounds that failed, and the report says so.

A 503 takes time too (the query limit): timed like an answer, a question whose rounds now and
then time out could pass as "at or under Virtuoso" on its median (reform-lineages did at 100×).
"""

from __future__ import annotations

from itertools import count

from bench import compare
from bench.report_serve import sections, targets

ANSWER = {
    "head": {"vars": ["x"]},
    "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]},
}


class Flaky(compare.Endpoints):
    """Endpoints answering at once, /queries failing on every third call after the first."""

    def __init__(self) -> None:
        self.calls = count()

    def sparql(self, q: compare.Question) -> tuple[float, dict | str]:
        return 0.01, ANSWER

    def named(self, q: compare.Question) -> tuple[float, dict | str]:
        n = next(self.calls)
        return (
            (0.02, "HTTP 503: the query ran longer than 20 s")
            if n and n % 3 == 0
            else (0.01, ANSWER)
        )

    def virtuoso_query(self, q: compare.Question) -> tuple[float, dict | str]:
        return 0.02, ANSWER


def test_failed_rounds_are_counted_and_miss_the_target() -> None:
    question = compare.Question("reform-lineages", {}, "SELECT ?x {}")
    paired = compare.paired(Flaky(), [question], rounds=9, log=lambda _: None)
    figure = paired["reform-lineages"]
    assert figure["failed_rounds"] == {"queries": 3}
    assert figure["queries_ratio"] <= 1.0  # the median alone would call it met
    results = {"100x": {"virtuoso": {"paired": paired, "buffers": 1}}}
    rows = {row[0]: row for row in targets(results)}
    queries = rows["100×: every question ≤ 1.0 × Virtuoso through /queries"]
    assert queries[2] == "**missed**" and "rounds failed: reform-lineages" in queries[3]
    assert rows["100×: every question ≤ 1.0 × Virtuoso through /sparql"][2] == "met"
    assert "(**failed**: queries 3)" in "\n".join(sections(results, {}))


def test_flat_memory_means_no_growth_during_the_run_and_back_after() -> None:
    from bench.report_serve import _flat

    at_rest, after = 200.0, 205.0
    steady = [430.0, 458.0, 380.0, 443.0, 455.0, 441.0]
    assert _flat([at_rest, *steady, after]) is True
    assert _flat([at_rest, 300.0, 310.0, 400.0, 520.0, after]) is False  # growing under load
    assert _flat([at_rest, *steady, 450.0]) is False  # kept after the run
    assert _flat([at_rest]) is None


def test_workers_growing_memory_is_explained() -> None:
    def memory(*workers: float) -> dict:
        processes = [{"role": "web", "pss_mb": 450.0}] + [
            {"role": "worker", "pss_mb": w} for w in workers
        ]
        return {"total_pss_mb": sum(p["pss_mb"] for p in processes), "processes": processes}

    results = {
        "100x": {"memory_2": memory(150, 150, 30), "memory_4": memory(150, 145, 148, 152, 30)}
    }
    row = {r[0]: r for r in targets(results)}["100×: PSS not growing with workers (4 vs 2)"]
    assert row[1] == "1075 MB vs 780 MB" and row[2] == "**missed**"
    assert "1.38× (0.18× over)" in row[3] and "145–152 MB against 30 MB" in row[3]
    fine = {"100x": {"memory_2": memory(40, 40, 30), "memory_4": memory(40, 40, 40, 40, 30)}}
    row = {r[0]: r for r in targets(fine)}["100×: PSS not growing with workers (4 vs 2)"]
    assert row[2] == "met" and row[3] == "criterion: at most 1.2× the PSS with 2"

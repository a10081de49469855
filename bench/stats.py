"""Percentiles as the benchmark reports them (nearest rank: a reported figure is a measured one)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below it.

    >>> percentile([5, 1, 4, 2, 3], 50)
    3
    >>> percentile([5, 1, 4, 2, 3], 95)
    5
    """
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def time_runs(
    run: Callable[[], object], reps: int, budget: float, min_runs: int = 3
) -> list[float]:
    """Seconds of up to `reps` calls of `run`; stop once `budget` seconds are spent, but not
    before `min_runs` calls unless one call alone took longer than the budget (at large scales
    a query may take minutes: its figure then rests on the runs that fit, and says how many)."""
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < reps:
        spent = time.perf_counter() - started
        enough = len(times) >= min_runs or max(times, default=0) >= budget
        if times and spent >= budget and enough:
            break
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return times


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 in milliseconds and the number of timed runs."""
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
    }

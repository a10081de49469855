"""The unfiltered views are computed once, in the background when the app starts, so the first
visitor of a large graph does not wait for them; a page computing meanwhile is not computed twice."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from reformkg.viz.pages import view_page
from reformkg.viz.render import filter_options
from reformkg.web.viz_routes import PAGE, _filters, cached, warm


def test_warm_computes_the_overview_and_the_three_views(store) -> None:
    state = SimpleNamespace(store=store)
    warm(state)
    unfiltered = _filters(None, None, None, None, None)
    assert set(state.viz_cache) == {
        ("options",),
        ("index",),
        ("agencies", unfiltered),
        ("evolution", unfiltered),
        ("themes", unfiltered),
    }
    options = filter_options(store)
    fresh = view_page(store, "agencies", unfiltered, PAGE, options)
    assert state.viz_cache[("agencies", unfiltered)] == fresh


def test_a_page_being_computed_is_waited_for_not_computed_again() -> None:
    state = SimpleNamespace()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.3)
        return "page"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cached(state, ("k",), slow)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["page"] * 4
    assert len(calls) == 1


def test_healthz_says_when_the_views_are_warm(build_dir) -> None:
    """A server reports its warm-up (the benchmark waits for it before measuring throughput):
    warming, then warm with the seconds it took; off when the warm-up is turned off."""
    import httpx
    from conftest import start_server

    for env, final in (({}, "warm"), ({"REFORMKG_WARM_VIEWS": "0"}, "off")):
        proc, base = start_server(build_dir, env)
        try:
            deadline = time.monotonic() + 120
            while (views := httpx.get(base + "/healthz", timeout=10).json()["views"])[
                "status"
            ] == "warming":
                assert time.monotonic() < deadline, "the warm-up never ended"
                time.sleep(0.1)
            assert views["status"] == final
            if final == "warm":
                assert views["seconds"] > 0
                cached_page = httpx.get(base + "/viz/agencies", timeout=30)
                assert cached_page.status_code == 200 and "牵头" in cached_page.text
            else:
                assert views["seconds"] is None
        finally:
            proc.terminate()
            proc.wait(timeout=10)

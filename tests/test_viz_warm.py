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

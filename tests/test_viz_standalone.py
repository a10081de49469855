"""`reformkg viz --out DIR`: standalone HTML files that open from disk with no server, no network.

The command is run for real (a subprocess of the installed CLI) on the session's build; the
files are opened from file:// in Debian chromium and must draw what SPARQL counts, filter from
URL parameters in the page, and load nothing from any host.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from test_viz_browser import (  # noqa: F401  (evil_build is a fixture used below)
    FILTERED,
    VIEWS,
    check_escaped,
    evil_build,
    expected_counts,
    open_view,
)

from checkout import ROOT

FILES = ["index.html", "agencies.html", "evolution.html", "themes.html", "workload.html"]


def run_viz(build, out) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "viz", "--out", str(out), "--build", str(build)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def out_dir(build_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("viz-out")
    done = run_viz(build_dir, out)
    assert done.returncode == 0, done.stderr
    return out


def test_writes_every_view_with_no_external_asset(out_dir):
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(FILES)
    for name in FILES:
        html = (out_dir / name).read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*\ssrc=", html), name
        assert not re.search(r"<link[^>]*rel=\"stylesheet\"", html), name
        assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"(https?:)?//", html)


@pytest.mark.browser
@pytest.mark.parametrize("view", VIEWS)
def test_view_opens_from_disk_and_draws_what_sparql_counts(view, out_dir, page, store, artifacts):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    got = open_view(page, (out_dir / f"{view}.html").as_uri())
    assert (got["nodes"], got["edges"]) == expected_counts(store, view)
    assert (got["stats"]["nodes"], got["stats"]["edges"]) == (got["nodes"], got["edges"])
    assert all(u.startswith(("file://", "data:")) for u in requested), requested
    page.screenshot(path=str(artifacts / f"standalone-{view}.png"))
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.parametrize("view", VIEWS)
def test_url_filter_works_from_disk(view, out_dir, page, store):
    query, where = FILTERED[view]
    got = open_view(page, (out_dir / f"{view}.html").as_uri() + "?" + query)
    expected = expected_counts(store, view, where)
    assert (got["nodes"], got["edges"]) == expected
    assert expected != expected_counts(store, view)
    field, value = query.split("=")
    assert page.locator(f"#rk-filters [name={field}]").input_value() == value
    assert page.console_errors == []


@pytest.mark.browser
def test_index_and_table_open_from_disk(out_dir, page):
    page.goto((out_dir / "index.html").as_uri())
    page.click("text=单位工作量网络 Agency network >> nth=0")
    page.wait_for_function("window.reformkgReady === true")
    page.goto((out_dir / "workload.html").as_uri())
    assert page.locator("#rk-table tbody tr").count() > 10
    assert page.console_errors == []


@pytest.fixture(scope="module")
def evil_out(evil_build, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("viz-evil")
    done = run_viz(evil_build, out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.browser
@pytest.mark.parametrize("view", VIEWS)
def test_labels_are_escaped_from_disk(view, evil_out, page, artifacts):
    open_view(page, (evil_out / f"{view}.html").as_uri())
    check_escaped(page, view, artifacts, f"standalone-{view}-escaped.png")


def test_missing_build_is_one_readable_line(tmp_path):
    done = run_viz(tmp_path / "nowhere", tmp_path / "out")
    assert done.returncode == 2
    assert "run `reformkg build` first" in done.stderr
    assert "Traceback" not in done.stderr

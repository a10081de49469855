"""The query page and a measure page in a real browser (Debian chromium via Playwright).

The flow an analyst follows: open /, pick a named query, run it, sort the table, share the link,
reopen it; complete a term; search. The number of rows shown is checked against the same query
sent to /sparql over HTTP; screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import httpx
import pytest

from reformkg.graph.query.named import list_queries
from reformkg.graph.read.resources import local_href
from reformkg.vocab import measure_iri

pytestmark = pytest.mark.browser
SPARQL_JSON = {"Accept": "application/sparql-results+json"}


def _natural(text: str) -> list[object]:
    """The order of JavaScript's localeCompare(..., {numeric: true}) for ASCII text."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text)]


@pytest.fixture(scope="module")
def example(live_server, settings):
    """The first named query whose text, sent as it is, returns at least two rows over /sparql
    (the page runs the text as shown; unbound parameters mean "any")."""
    listed = httpx.get(live_server + "/queries", headers={"Accept": "application/json"}).json()
    queries = list_queries(settings.queries_dir)
    assert [q["name"] for q in listed["queries"]] == [q.name for q in queries]
    for index, q in enumerate(queries):
        if "SELECT" not in q.text.upper():
            continue
        resp = httpx.post(live_server + "/sparql", data={"query": q.text}, headers=SPARQL_JSON)
        if resp.status_code == 200 and len(resp.json()["results"]["bindings"]) >= 2:
            return index, q, resp.json()
    pytest.fail("no named query returns two rows or more")


def _column(page, col: int) -> list[str]:
    return page.locator(f"table.results tbody tr td:nth-child({col + 2})").all_inner_texts()


def test_query_page_flow(page, live_server, example, artifacts) -> None:
    index, query, expected = example
    page.goto(live_server + "/")
    page.wait_for_function("() => document.querySelectorAll('#examples option').length > 1")
    page.select_option("#examples", value=str(index))
    assert page.input_value("#query") == query.text
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    rows = expected["results"]["bindings"]
    assert page.locator("table.results tbody tr").count() == len(rows)
    assert f"{len(rows)} 行 rows" in page.inner_text("#status")

    # sort by the first column whose values are plain ASCII (IRIs shown compact, numbers)
    variables = expected["head"]["vars"]
    col = next(
        (i for i, _ in enumerate(variables) if all(t.isascii() and t for t in _column(page, i))),
        0,
    )
    before = _column(page, col)
    header = page.locator("table.results th.sortable").nth(col)
    header.click()
    ascending = _column(page, col)
    assert header.get_attribute("aria-sort") == "ascending"
    assert sorted(ascending) == sorted(before)
    numeric = all(re.fullmatch(r"-?\d+(\.\d+)?", t) for t in ascending)
    key = (lambda t: float(t)) if numeric else _natural
    assert ascending == sorted(ascending, key=key)
    page.locator("table.results th.sortable").nth(col).click()
    descending = _column(page, col)
    assert descending == sorted(ascending, key=key, reverse=True)
    page.screenshot(path=str(artifacts / "query-page.png"), full_page=True)

    # downloads are the answer in the order shown: CSV with a BOM and a header row, named
    # after the question; SPARQL JSON
    with page.expect_download() as csv_download:
        page.click("[data-dl=csv]")
    raw = Path(csv_download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == variables and len(table) == len(rows) + 1
    assert csv_download.value.suggested_filename == f"{query.name}.csv"
    on_screen = _column(page, col)
    in_file = [r[col] for r in table[1:]]
    assert [t.split(":")[-1] for t in on_screen] == [
        t.rsplit("/", 1)[-1].split("#")[-1].split(":")[-1] for t in in_file
    ] or len(set(on_screen)) < len(on_screen)
    with page.expect_download() as json_download:
        page.click("[data-dl=json]")
    answer = json.loads(Path(json_download.value.path()).read_text("utf-8"))
    assert answer["head"]["vars"] == variables
    assert len(answer["results"]["bindings"]) == len(rows)

    # the shareable link reopens the query and runs it
    page.click("#sharebtn")
    link = page.input_value("#sharelink")
    assert link.startswith(live_server + "/?query=")
    other = page.context.new_page()
    errors: list[str] = []
    other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    other.on("pageerror", lambda e: errors.append(str(e)))
    other.goto(link)
    other.wait_for_selector("table.results tbody tr")
    assert other.input_value("#query") == query.text
    assert other.locator("table.results tbody tr").count() == len(rows)
    assert errors == []
    assert page.console_errors == []


def test_completion_and_search(page, live_server) -> None:
    page.goto(live_server + "/")
    page.wait_for_selector("#vocab a")  # the ontology's terms, fetched over SPARQL
    page.fill("#query", "SELECT * WHERE { ?m a ")
    page.click("#query")
    page.keyboard.press("End")
    page.keyboard.type("rk:Meas")
    page.wait_for_selector(".completion")
    assert "rk:Measure" in page.inner_text(".completion")
    page.keyboard.press("Enter")
    assert page.input_value("#query").endswith("?m a rk:Measure")
    assert page.locator("#highlight .tok-pn", has_text="rk:Measure").count() == 1
    assert page.locator("#highlight .tok-kw", has_text="SELECT").count() == 1

    page.fill("#searchq", "知識產權證券化")  # traditional characters
    page.wait_for_selector("#searchresults li a")
    first = page.locator("#searchresults li a").first
    assert "知识产权证券化" in first.inner_text()
    assert page.locator("#searchresults mark").count() >= 1
    assert page.console_errors == []


def test_measure_page_renders_chinese(page, live_server, parsed_docs, artifacts) -> None:
    m = next(m for d in parsed_docs for m in d.measures if m.lead and m.practice_points)
    page.goto(live_server + local_href(str(measure_iri(m.doc_id, m.number, m.part))))
    h1 = page.locator("h1")
    assert h1.inner_text() == m.name.clean
    font = h1.evaluate("el => getComputedStyle(el).fontFamily")
    assert font.startswith('"Noto Sans CJK SC"')
    # whether the glyphs render is checked by looking at the screenshot (docs/pages.md)
    page.screenshot(path=str(artifacts / "measure-page.png"), full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize(
    "text, where, hint",
    [
        # a missing } at the end: the line and column of the editor's own text
        ("SELECT ?m WHERE {\n  ?m a rk:Measure .\n", "第 3 行", "}"),
        ("SELECT ?m WHERE { ?m a foo:Measure }", "第 1 行第 24 列", "未知前缀 “foo:”"),
        ("SELECT ?m WHERE { ?m rk:leadAgency id:agency/x }", "第 1 行", "不能直接写 “/”"),
    ],
)
def test_query_errors_point_into_the_editor(page, live_server, text, where, hint) -> None:
    page.goto(live_server + "/")
    page.fill("#query", text)
    page.click("#run")
    page.wait_for_selector("#status.error")
    status = page.inner_text("#status")
    assert where in status and hint in status, status
    assert len(status) < 400  # one sentence, not the parser's list of expected tokens
    assert page.locator("#highlight mark.err-mark").count() == 1


def test_unbound_parameter_is_explained(page, live_server, settings) -> None:
    names = [q.name for q in list_queries(settings.queries_dir)]
    page.goto(live_server + "/")
    page.wait_for_function("() => document.querySelectorAll('#examples option').length > 1")
    page.select_option("#examples", value=str(names.index("overdue-measures")))
    page.click("#run")
    # the answer's line, not "运行中… Running…", which has 行 too (found failing under load)
    page.wait_for_function(
        "() => { const t = document.getElementById('status').textContent;"
        " return t.includes('行') && !t.includes('运行中'); }"
    )
    assert "?asOf" in page.inner_text("#status") and "未绑定" in page.inner_text("#status")

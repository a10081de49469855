"""The analyst's three questions, asked through the pages in a real browser (Debian chromium,
Playwright) against the real uvicorn app, with every figure checked against SPARQL on the
same build. Nothing is typed into a URL: each test starts at a page and clicks, picks and
types as an analyst would. Every page visited is screenshotted into test-artifacts/ (1440×900)
and checked with axe-core (from the axe-playwright-python package, run in the page, never
loaded from a network) for labelled form controls, headings in order and text contrast.

1. Which agencies carry the most measures in the Shenzhen 2022 list, and which of their
   deadlines have passed?  → /workload (document picked in the form), the agency page.
2. How did 知识产权证券化 change between batches?  → search, the measure page's links
   across batches (both directions, the inferred one marked) and the text changes.
3. All bankruptcy (破产) measures with their lead agencies  → search typed in traditional
   characters (破產), the 改革事项 facet, the results table.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from reformkg.graph.query.store import select

pytestmark = pytest.mark.browser

P = """PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
ID = "https://w3id.org/reformkg/id/"
DOC = ID + "doc/sz-bizenv-2022-b1"
#: axe-core rules for the basics every page must meet.
AXE_RULES = [
    "label",
    "select-name",
    "heading-order",
    "page-has-heading-one",
    "color-contrast",
    "html-has-lang",
    "html-lang-valid",
    "valid-lang",
    "document-title",
    "link-name",
    "button-name",
    "empty-heading",
]


def sparql(store, query: str) -> list[dict]:
    return select(store, P + query)


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def check_page(page, axe, artifacts: Path, name: str) -> None:
    """Screenshot the page at 1440×900 and check the accessibility basics with axe-core."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(artifacts / f"workbench-{name}.png"), full_page=True)
    results = axe.run(page, options={"runOnly": {"type": "rule", "values": AXE_RULES}})
    problems = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]
    assert problems == [], f"{name}: {problems}"
    assert page.console_errors == []


def _text(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


# --------------------------------------------------------------------------- question 1


def test_q1_busiest_agencies_of_the_2022_list_and_their_passed_deadlines(
    page, live_server, store, axe, artifacts
) -> None:
    today = dt.date.today().isoformat()
    totals = {
        str(r["label"]): (int(r["led"]), int(r["resp"]), int(r["n"]), int(r["overdue"]))
        for r in sparql(
            store,
            f"""SELECT ?label (COUNT(DISTINCT ?led) AS ?led) (COUNT(DISTINCT ?r) AS ?resp)
                (COUNT(DISTINCT ?m) AS ?n) (COUNT(DISTINCT ?late) AS ?overdue) WHERE {{
              ?m a rk:Measure ; rk:inDocument <{DOC}> .
              {{ ?m rk:leadAgency ?a BIND(?m AS ?led) }}
              UNION {{ ?m rk:responsibleAgency ?a BIND(?m AS ?r) }}
              ?a skos:prefLabel ?label .
              OPTIONAL {{ ?m rk:deadline ?d FILTER(?d < "{today}"^^<http://www.w3.org/2001/XMLSchema#date>)
                         BIND(?m AS ?late) }}
            }} GROUP BY ?label""",
        )
    }
    page.goto(live_server + "/search")
    page.click("header.rk-top nav >> text=单位工作量")
    page.wait_for_url("**/workload")
    page.select_option("select[name=doc]", "sz-bizenv-2022-b1")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/workload?doc=sz-bizenv-2022-b1**")
    page.wait_for_selector("html[data-tables-ready=true]")
    check_page(page, axe, artifacts, "q1-workload")
    rows = page.locator("#workload-table tbody tr")
    assert rows.count() == len(totals)
    shown = {}
    for i in range(rows.count()):
        cells = _text(rows.nth(i), "td")
        # 单位 级别 牵头 责任 合计 逾期 未到期 已落地 无时限 …
        shown[cells[0]] = (int(cells[2]), int(cells[3]), int(cells[4]), int(cells[5]))
    assert shown == totals
    first = _text(page, "#workload-table tbody tr:first-child td")[0]
    busiest = max(totals, key=lambda k: (totals[k][2], totals[k][0]))
    assert first == busiest == "深圳市市场监督管理局"
    # 185 of the list's 216 measures carry a dated deadline; all have passed by today
    dated = sparql(
        store,
        f"""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m rk:inDocument <{DOC}> ;
            rk:deadline ?d FILTER(?d < "{today}"^^<http://www.w3.org/2001/XMLSchema#date>) }}""",
    )
    assert int(dated[0]["n"]) == 185

    # the busiest agency's page: counts over every document, one row per measure
    page.click("#workload-table tbody tr:first-child td a")
    page.wait_for_selector("#agency-measures")
    page.wait_for_selector("html[data-tables-ready=true]")
    check_page(page, axe, artifacts, "q1-agency")
    agency = ID + "agency/深圳市市场监督管理局"
    mine = sparql(
        store,
        f"""SELECT (COUNT(DISTINCT ?led) AS ?led) (COUNT(DISTINCT ?r) AS ?resp)
            (COUNT(DISTINCT ?m) AS ?n) (COUNT(DISTINCT ?late) AS ?overdue) WHERE {{
          {{ ?m rk:leadAgency <{agency}> BIND(?m AS ?led) }}
          UNION {{ ?m rk:responsibleAgency <{agency}> BIND(?m AS ?r) }}
          OPTIONAL {{ ?m rk:deadline ?d FILTER(?d < "{today}"^^<http://www.w3.org/2001/XMLSchema#date>)
                     BIND(?m AS ?late) }} }}""",
    )[0]
    counts = [int(t.split()[0]) for t in _text(page, "ul.counts li strong")]
    assert counts[:4] == [int(mine["led"]), int(mine["resp"]), int(mine["n"]), int(mine["overdue"])]
    assert page.locator("#agency-measures tbody tr").count() == int(mine["n"])  # each once
    overdue_rows = page.locator("#agency-measures tbody tr", has_text="逾期")
    assert overdue_rows.count() == int(mine["overdue"])
    # filter the table as an analyst would, then download what is shown
    page.fill(".tablebar[data-for=agency-measures] input[type=search]", "2022年3月底")
    visible = page.locator("#agency-measures tbody tr:visible").count()
    march = sparql(
        store,
        f"""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m rk:leadAgency|rk:responsibleAgency
            <{agency}> ; rk:deadlineText "2022年3月底"@zh-Hans }}""",
    )
    assert visible == int(march[0]["n"]) > 0
    with page.expect_download() as download:
        page.click(".tablebar[data-for=agency-measures] button.download")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").strip().split("\r\n")
    assert lines[0].startswith("序号 No.,改革事项 Measure") and len(lines) == visible + 1
    assert download.value.suggested_filename.endswith(".csv")

    # and the deadlines by month, from the agency page's button
    page.click("a.button >> text=完成时限")
    page.wait_for_selector("#deadline-list")
    check_page(page, axe, artifacts, "q1-deadlines")
    assert page.locator("#deadline-list tbody tr").count() == int(mine["n"]) - int(
        sparql(
            store,
            f"""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m rk:leadAgency|rk:responsibleAgency
                <{agency}> FILTER NOT EXISTS {{ ?m rk:deadlineText ?t }} }}""",
        )[0]["n"]
    )


# --------------------------------------------------------------------------- question 2


def test_q2_how_ip_securitisation_changed_between_batches(
    page, live_server, store, axe, artifacts
) -> None:
    links = sparql(
        store,
        """SELECT ?later ?earlier ?score ?rel WHERE {
          ?l a rk:MeasureLink ; rk:linkSource ?later ; rk:linkTarget ?earlier ;
             rk:linkScore ?score ; rk:relation ?rel .
          ?earlier rdfs:label "开展知识产权证券化试点"@zh-Hans .
          FILTER(?rel != rk:Related) }""",
    )
    assert len(links) == 1
    later, earlier, score = (
        str(links[0]["later"]),
        str(links[0]["earlier"]),
        float(links[0]["score"]),
    )
    page.goto(live_server + "/workload")
    page.fill("#rk-top-q", "知识产权证券化")
    page.press("#rk-top-q", "Enter")
    page.wait_for_selector("#search-results")
    check_page(page, axe, artifacts, "q2-search")
    page.click("#search-results a.label >> text=开展知识产权证券化试点")
    page.wait_for_selector("#cross-batch")
    check_page(page, axe, artifacts, "q2-measure-earlier")
    assert page.url.endswith("/id/measure/sz-bizenv-2022-b1/47")
    block = page.locator("#cross-batch")
    assert "较晚版本" in block.inner_text()
    later_row = block.locator("tr", has=page.locator(f"a[href='/id/{later[len(ID) :]}']"))
    assert "演进" in later_row.inner_text() and f"{score:.3f}" in later_row.inner_text()
    assert "rk:evolvesInto" in later_row.inner_text() and "推理" in later_row.inner_text()
    changes = block.locator("ul.diff li")
    assert changes.count() == 4  # one sentence dropped, one reworded, two points added
    assert "新增" in block.locator("ul.diff").inner_text()

    page.click(f"#cross-batch a[href='/id/{later[len(ID) :]}']")
    page.wait_for_selector("#cross-batch")
    check_page(page, axe, artifacts, "q2-measure-later")
    earlier_row = page.locator(
        "#cross-batch tr", has=page.locator(f"a[href='/id/{earlier[len(ID) :]}']")
    )
    assert "较早版本" in page.locator("#cross-batch").inner_text()
    assert "rk:evolvesFrom" in earlier_row.inner_text()
    assert "推理" not in earlier_row.inner_text()  # stated by the later measure itself


# --------------------------------------------------------------------------- question 3


def test_q3_bankruptcy_measures_with_their_lead_agencies(
    page, live_server, store, axe, artifacts
) -> None:
    expected = {
        str(r["m"]): tuple(sorted(filter(None, str(r["leads"] or "").split("|"))))
        for r in sparql(
            store,
            """SELECT ?m (GROUP_CONCAT(DISTINCT ?lead; separator="|") AS ?leads) WHERE {
              ?m a rk:Measure .
              { ?m rdfs:label ?t } UNION { ?m rk:practiceText ?t } UNION { ?m rk:effectText ?t }
              UNION { ?m rk:hasPracticePoint/rk:text ?t }
              FILTER(CONTAINS(STR(?t), "破产"))
              OPTIONAL { ?m rk:leadAgency/skos:prefLabel ?lead }
            } GROUP BY ?m""",
        )
    }
    assert len(expected) == 12
    page.goto(live_server + "/queries")
    page.fill("#rk-top-q", "破產")  # traditional characters
    page.press("#rk-top-q", "Enter")
    page.wait_for_selector(".facets")
    page.click(".facets a >> text=改革事项 measure")
    page.wait_for_selector("#search-results")
    page.wait_for_selector("html[data-tables-ready=true]")
    check_page(page, axe, artifacts, "q3-search")
    rows = page.locator("#search-results tbody tr")
    assert rows.count() == len(expected)
    shown = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        href = row.locator("a.label").get_attribute("href")
        leads = row.locator("td.leads").inner_text().strip()
        leads = "" if leads == "—" else leads  # no lead agency printed
        shown[ID + href.removeprefix("/id/")] = tuple(sorted(filter(None, leads.split("、"))))
    assert shown == expected
    assert "破产" in page.locator("#search-results mark").first.inner_text()


# --------------------------------------------------------------------------- named questions


def test_overdue_question_from_its_form(page, live_server, store, axe, artifacts) -> None:
    page.goto(live_server + "/queries")
    check_page(page, axe, artifacts, "queries")
    page.click("#q-overdue-measures a.button")
    page.wait_for_selector("#question-form")
    assert page.input_value("input[name=asOf]") == dt.date.today().isoformat()
    page.fill("input[name=agency]", "市市场监管局")  # the printed short name
    page.fill("input[name=asOf]", "2022-07-01")
    page.click("#question-form button[type=submit]")
    page.wait_for_selector("#answer")
    check_page(page, axe, artifacts, "question-overdue")
    n = sparql(
        store,
        """SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a rk:Measure ;
           rk:leadAgency <https://w3id.org/reformkg/id/agency/深圳市市场监督管理局> ;
           rk:deadline ?d ; rk:deadlineText ?t .
           FILTER(?d < "2022-07-01"^^<http://www.w3.org/2001/XMLSchema#date>) }""",
    )[0]["n"]
    assert page.locator("#answer tbody tr").count() == int(n) > 0
    assert re.search(rf"\b{int(n)} 行结果", page.inner_text("h2"))
    # a value that is no agency: one sentence on the page, in the layout
    page.fill("input[name=agency]", "不存在的局")
    page.click("#question-form button[type=submit]")
    page.wait_for_selector("[role=alert]")
    assert "no agency is called so" in page.inner_text("[role=alert]")
    assert page.locator("header.rk-top").count() == 1


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize(
    "name, path",
    [
        ("query", "/"),
        ("viz-overview", "/viz"),
        ("ontology", "/ontology"),
        ("document", "/id/doc/ccr-typical-2024"),
        ("theme", "/id/theme/bankruptcy-exit"),
        ("deadlines", "/deadlines"),
        ("not-found", "/id/measure/none/0"),
    ],
)
def test_every_page_has_the_header_and_the_basics(
    name, path, page, live_server, axe, artifacts
) -> None:
    page.goto(live_server + path)
    assert page.locator("header.rk-top nav a").count() == 7
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    if name == "not-found":
        page.console_errors.clear()  # the browser logs the 404 status the page is sent with
    check_page(page, axe, artifacts, name)

"""The workbench's read models on the real build: deadline statuses against SPARQL, agency
names resolved through the graph's labels, the agency page's counts, search facets, and the
docstring examples of each module.
"""

from __future__ import annotations

import datetime as dt
import doctest
import importlib

import pytest

from reformkg.graph.query.store import select
from reformkg.graph.read.agency import agency_page
from reformkg.graph.read.deadlines import STATUS_KEYS, deadlines, status_labels
from reformkg.graph.read.measure_table import measure_table
from reformkg.graph.read.options import options, resolve_agency
from reformkg.graph.read.search import build_index
from reformkg.graph.read.search_page import search_page

P = """PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def opts(store):
    return options(store)


@pytest.fixture(scope="module")
def rows(store, opts):
    return measure_table(store, opts)


@pytest.mark.parametrize("as_of", ["2022-01-01", "2022-06-30", "2022-07-01", "2030-01-01"])
def test_statuses_as_of_a_date_match_sparql(store, as_of: str) -> None:
    day = dt.date.fromisoformat(as_of)
    statuses = {m: d.status(day) for m, d in deadlines(store).items()}

    def count(where: str) -> int:
        q = P + f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m a rk:Measure . {where} }}"
        return int(select(store, q)[0]["n"])

    landed = count('?m rk:deadlineText ?t FILTER(CONTAINS(?t, "已落地"))')
    overdue = count(f'?m rk:deadline ?d FILTER(?d < "{as_of}"^^xsd:date)')
    dated = count("?m rk:deadline ?d")
    every = count("")
    got = {k: sum(1 for s in statuses.values() if s == k) for k in STATUS_KEYS}
    assert got == {
        "overdue": overdue,
        "not-due": dated - overdue,
        "landed": landed,
        "no-deadline": every - dated - landed,
    }
    assert landed == 31 and dated == 185


def test_status_labels_are_bilingual(store) -> None:
    labels = status_labels(store)
    assert [labels[k].zh for k in STATUS_KEYS] == ["逾期", "未到期", "已落地", "无时限"]
    assert labels["overdue"].iri == "https://w3id.org/reformkg/id/status/overdue"


@pytest.mark.parametrize(
    "typed", ["深圳市市场监督管理局", "市市场监管局", "深圳市市場監管局", " 市市场监管局 "]
)
def test_agencies_by_any_of_their_names(opts, typed: str) -> None:
    found = resolve_agency(opts, typed)
    assert found is not None and found.name == "深圳市市场监督管理局"


def test_unknown_agency_is_none(opts) -> None:
    assert resolve_agency(opts, "不存在的局") is None and resolve_agency(opts, "") is None


def test_agency_page_counts_each_measure_once(store, opts, rows) -> None:
    agency = resolve_agency(opts, "深圳市市场监督管理局")
    assert agency is not None
    page = agency_page(rows, opts, agency, dt.date(2022, 7, 1))
    iri = f"<{agency.iri}>"
    q = (
        P
        + f"""SELECT (COUNT(DISTINCT ?m) AS ?n) (COUNT(DISTINCT ?l) AS ?led)
        (COUNT(DISTINCT ?r) AS ?resp) WHERE {{
        {{ ?m rk:leadAgency {iri} BIND(?m AS ?l) }} UNION {{ ?m rk:responsibleAgency {iri} BIND(?m AS ?r) }} }}"""
    )
    expected = select(store, q)[0]
    assert (page.total, page.led, page.responsible) == (
        int(expected["n"]),
        int(expected["led"]),
        int(expected["resp"]),
    )
    assert len({x.row.iri for x in page.measures}) == page.total
    assert sum(page.by_status.values()) == page.total
    assert sum(c.total for c in page.by_document) == page.total


def test_search_facets_count_the_hits(store, opts, rows) -> None:
    found = search_page(build_index(store), rows, opts, "破產", {})
    kinds = dict((v, n) for v, _, n in found.facets[0].counts)
    assert kinds == {"measure": 12, "agency": 1}
    only = search_page(build_index(store), rows, opts, "破产", {"kind": "measure"})
    assert only.total == 12 and all(r.hit["kind"] == "measure" for r in only.results)
    docs = {v: n for v, _, n in only.facets[1].counts}
    assert sum(docs.values()) == 12


@pytest.mark.parametrize(
    "module",
    [
        "reformkg.graph.read.deadlines",
        "reformkg.graph.read.terms",
        "reformkg.graph.read.measure_table",
        "reformkg.graph.read.measure_page",
        "reformkg.graph.read.search_page",
        "reformkg.graph.read.options",
        "reformkg.script",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0

"""Named analyst questions: the queries/ files, /queries over real HTTP, and `reformkg query`.

Expected figures come from the parser's records (parsed_docs), never from SPARQL: an agency's
workload, overdue measures, measures without a lead, deadlines per month, co-responsibility
pairs, full-text matches and documents are all recounted from the records in plain Python.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from itertools import combinations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reformkg.graph.query.named import list_queries, parse_query_file
from reformkg.settings import Settings
from reformkg.vocab import agency_iri, document_iri, measure_iri

from checkout import ROOT

QUERIES = list_queries(Settings.defaults().queries_dir)


def run(base: str, name: str, **params) -> dict:
    response = httpx.get(f"{base}/queries/{name}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def measures(parsed_docs):
    return [m for d in parsed_docs for m in d.measures]


def iri(m) -> str:
    return str(measure_iri(m.doc_id, m.number, m.part))


# --------------------------------------------------------------------------- the files


def test_at_least_twelve_documented_queries() -> None:
    assert len(QUERIES) >= 12
    for query in QUERIES:
        # Chinese first, English alongside
        assert query.title and len(query.description) > 15, query.name
        assert query.title_en and len(query.description_en) > 40, query.name
        for param in query.params:
            assert param.description, f"{query.name}: {param.name} has no description"
            assert f"?{param.name}" in query.text, f"{query.name}: ?{param.name} unused"


def test_bad_header_is_reported_with_file_and_line(tmp_path) -> None:
    from reformkg.errors import QueryError

    bad = tmp_path / "bad.rq"
    bad.write_text("# title: x\n# param: when date 2022\nSELECT * {}\n", encoding="utf-8")
    with pytest.raises(QueryError, match="bad.rq:2"):
        parse_query_file(bad)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_every_query_runs_with_its_defaults(live_server: str, query) -> None:
    answer = run(live_server, query.name)
    assert answer["columns"] and not answer["truncated"]
    assert set(answer["parameters"]) == {p.name for p in query.params}


# --------------------------------------------------------------------------- answers vs records


def test_agency_workload_matches_the_records(live_server: str, parsed_docs) -> None:
    lead, shared, involved = Counter(), Counter(), Counter()
    for m in measures(parsed_docs):
        leads = {a.canonical for a in m.lead}
        others = {a.canonical for a in m.responsible}
        lead.update(leads)
        shared.update(others)
        involved.update(leads | others)
    rows = {r["agency"]: r for r in run(live_server, "agency-workload")["rows"]}
    assert len(rows) == len(involved)
    for name, count in involved.items():
        row = rows[str(agency_iri(name))]
        assert (row["asLead"], row["asResponsible"], row["measures"]) == (
            lead[name],
            shared[name],
            count,
        ), name


def test_agency_workload_of_one_document(live_server: str, parsed_docs) -> None:
    doc = parsed_docs[-1]
    names = {a.canonical for m in doc.measures for a in (*m.lead, *m.responsible)}
    answer = run(live_server, "agency-workload", doc=doc.meta.doc_id)
    assert {r["agency"] for r in answer["rows"]} == {str(agency_iri(n)) for n in names}


@pytest.mark.parametrize("as_of", ["2022-04-01", "2022-07-01", "2023-01-01"])
def test_overdue_measures_as_of_a_date(live_server: str, parsed_docs, as_of: str) -> None:
    expected = {
        iri(m) for m in measures(parsed_docs) if m.deadline_date and m.deadline_date < as_of
    }
    got = {r["measure"] for r in run(live_server, "overdue-measures", asOf=as_of)["rows"]}
    assert got == expected


def test_overdue_measures_of_one_agency(live_server: str, parsed_docs) -> None:
    counts = Counter(a.canonical for m in measures(parsed_docs) if m.deadline_date for a in m.lead)
    agency, _ = counts.most_common(1)[0]
    expected = {
        iri(m)
        for m in measures(parsed_docs)
        if m.deadline_date
        and m.deadline_date < "2023-01-01"
        and agency in {a.canonical for a in m.lead}
    }
    got = run(live_server, "overdue-measures", asOf="2023-01-01", agency=agency)["rows"]
    assert {r["measure"] for r in got} == expected


def test_measures_without_lead(live_server: str, parsed_docs) -> None:
    expected = {iri(m) for m in measures(parsed_docs) if not m.lead}
    got = {r["measure"] for r in run(live_server, "measures-without-lead")["rows"]}
    assert got == expected


def test_deadlines_by_month(live_server: str, parsed_docs) -> None:
    expected = Counter(
        (m.deadline_date[:7], str(agency_iri(a)))
        for m in measures(parsed_docs)
        if m.deadline_date
        for a in {x.canonical for x in m.lead}
    )
    rows = run(live_server, "deadlines-by-month")["rows"]
    assert {(r["month"], r["agency"]): r["measures"] for r in rows} == dict(expected)


def test_co_responsibility_pairs(live_server: str, parsed_docs) -> None:
    pairs = Counter()
    for m in measures(parsed_docs):
        names = sorted({str(agency_iri(a.canonical)) for a in (*m.lead, *m.responsible)})
        pairs.update(combinations(names, 2))
    answer = run(live_server, "co-responsibility-pairs", minShared=3)["rows"]
    assert {(r["agencyA"], r["agencyB"]): r["shared"] for r in answer} == {
        k: v for k, v in pairs.items() if v >= 3
    }


@pytest.mark.parametrize("q", ["知识产权", "跨境", "app"])
def test_full_text_search(live_server: str, parsed_docs, q: str) -> None:
    def hit(m) -> bool:
        texts = [m.name.clean, m.practice.clean, m.effect.clean if m.effect else ""]
        return any(q.lower() in t.lower() for t in texts)

    expected = {iri(m) for m in measures(parsed_docs) if hit(m)}
    assert expected, "pick a word that occurs"
    rows = run(live_server, "full-text-search", q=q)["rows"]
    assert {r["measure"] for r in rows} == expected
    # the fields found in, in the order of their rank, and the best rank the first of them
    by_iri = {iri(m): m for m in measures(parsed_docs)}
    for r in rows:
        m = by_iri[r["measure"]]
        texts = {
            "name": m.name.clean,
            "practice": m.practice.clean,
            "effect": m.effect.clean if m.effect else "",
        }
        found = [f for f in ("name", "practice", "effect") if q.lower() in texts[f].lower()]
        assert r["fields"] == "; ".join(found), r["measure"]
        assert r["best"] == ("name", "practice", "effect").index(found[0]) + 1


def test_documents_timeline(live_server: str, parsed_docs) -> None:
    rows = run(live_server, "documents-timeline")["rows"]
    expected = sorted(parsed_docs, key=lambda d: d.meta.batch_order)
    assert [r["doc"] for r in rows] == [str(document_iri(d.meta.doc_id)) for d in expected]
    assert [r["measures"] for r in rows] == [len(d.measures) for d in expected]
    assert [r["title"] for r in rows] == [d.meta.title for d in expected]


def test_measures_of_an_agency(live_server: str, parsed_docs) -> None:
    name = "深圳市市场监督管理局"
    expected = {
        (iri(m), role)
        for m in measures(parsed_docs)
        for role, refs in (("lead", m.lead), ("responsible", m.responsible))
        if name in {a.canonical for a in refs}
    }
    rows = run(live_server, "measures-of-agency", agency=name)["rows"]
    assert {(r["measure"], r["role"]) for r in rows} == expected


# --------------------------------------------------------------------------- safe parameters


@pytest.mark.parametrize(
    "q", ['"} } DROP ALL #', "') } ; INSERT DATA { <a:a> <a:a> <a:a> }", '知识产权" || true || "']
)
def test_text_parameters_cannot_change_the_query(live_server: str, q: str) -> None:
    answer = run(live_server, "full-text-search", q=q)
    assert answer["rows"] == []
    assert answer["parameters"]["q"] == q


def test_iri_parameters_are_minted_not_pasted(live_server: str) -> None:
    """An agency is looked up by its names, never pasted: text that is no agency's name is a
    400 naming the parameter; an IRI parameter is an IRI term or a 400."""
    response = httpx.get(
        f"{live_server}/queries/measures-of-agency",
        params={"agency": "x> } UNION { ?measure ?p ?o"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "agency=" in response.json()["error"]["message"]
    bad_iri = httpx.get(
        f"{live_server}/queries/evolution-chains", params={"measure": "https://x.example/a> }"}
    )
    assert bad_iri.status_code == 400 and "measure=" in bad_iri.json()["error"]["message"]


def test_agency_parameter_takes_aliases_and_short_names(live_server: str) -> None:
    canonical = run(live_server, "measures-of-agency", agency="深圳市市场监督管理局")["rows"]
    assert canonical
    assert run(live_server, "measures-of-agency", agency="市市场监管局")["rows"] == canonical
    assert run(live_server, "measures-of-agency", agency="市市場監管局")["rows"] == canonical


def test_full_text_question_takes_traditional_characters(live_server: str) -> None:
    simplified = run(live_server, "full-text-search", q="破产")["rows"]
    assert len(simplified) == 12
    assert run(live_server, "full-text-search", q="破產")["rows"] == simplified


@pytest.mark.parametrize(
    ("params", "status"),
    [({"asOf": "2022-02-30"}, 400), ({"asOf": "soon"}, 400), ({"nope": "1"}, 400)],
)
def test_invalid_parameters_are_400(live_server: str, params: dict, status: int) -> None:
    response = httpx.get(f"{live_server}/queries/overdue-measures", params=params)
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_unknown_query_is_404(live_server: str) -> None:
    response = httpx.get(f"{live_server}/queries/no-such-question")
    assert response.status_code == 404
    assert "agency-workload" in response.json()["error"]["message"]


# --------------------------------------------------------------------------- list, formats


def test_list_as_json_and_html(live_server: str) -> None:
    listed = httpx.get(f"{live_server}/queries").json()["queries"]
    assert [q["name"] for q in listed] == [q.name for q in QUERIES]
    page = httpx.get(f"{live_server}/queries", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert all(q.title in page.text for q in QUERIES)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_answer_formats(live_server: str, fmt: str) -> None:
    as_json = run(live_server, "documents-timeline")
    response = httpx.get(f"{live_server}/queries/documents-timeline", params={"format": fmt})
    assert response.status_code == 200
    if fmt == "html":
        assert all(r["title"] in response.text for r in as_json["rows"])
        return
    table = list(csv.reader(io.StringIO(response.text), delimiter="," if fmt == "csv" else "\t"))
    assert table[0] == as_json["columns"]
    assert [row[1] for row in table[1:]] == [r["title"] for r in as_json["rows"]]


def test_openapi_describes_the_json_endpoints(live_server: str) -> None:
    spec = httpx.get(f"{live_server}/openapi.json").json()
    assert {"/sparql", "/queries", "/queries/{name}", "/healthz"} <= set(spec["paths"])


# --------------------------------------------------------------------------- CLI


def _cli(build_dir, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REFORMKG_BUILD": str(build_dir)}
    return subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "query", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_json_equals_http(live_server: str, build_dir) -> None:
    done = _cli(build_dir, "overdue-measures", "--param", "asOf=2022-07-01", "--format", "json")
    assert done.returncode == 0, done.stderr
    http = run(live_server, "overdue-measures", asOf="2022-07-01")["rows"]
    assert json.loads(done.stdout) == http


def test_cli_csv_and_table(build_dir, parsed_docs) -> None:
    done = _cli(build_dir, "documents-timeline", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted(r["title"] for r in rows) == sorted(d.meta.title for d in parsed_docs)
    table = _cli(build_dir, "documents-timeline")
    assert all(d.meta.doc_id in table.stdout for d in parsed_docs)


def test_cli_errors_are_one_line(build_dir) -> None:
    done = _cli(build_dir, "overdue-measures", "--param", "asOf=never")
    assert done.returncode == 3
    assert done.stderr.strip().count("\n") == 0 and "asOf" in done.stderr


# --------------------------------------------------------------------------- remote binding


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_values_block_carries_any_text_exactly(text: str) -> None:
    """The remote path writes values into a VALUES block: whatever the text (quotes, braces,
    newlines, Chinese), the query still parses and binds exactly that literal."""
    import pyoxigraph as ox

    from reformkg.graph.query.sparql_text import inject_values
    from reformkg.graph.query.store import to_tuple

    query = 'SELECT ?q ?n WHERE { BIND("}" AS ?n) } # WHERE {'
    bound = inject_values(query, {"q": to_tuple(ox.Literal(text))})
    rows = list(ox.Store().query(bound))
    assert [(r["q"].value, r["n"].value) for r in rows] == [(text, "}")]

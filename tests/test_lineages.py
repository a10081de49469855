"""Reform lineages (issue 15) without a browser: the lineages the build makes and their stable
IRIs, the read model's side-by-side alignment, /lineages and a lineage's page over real HTTP,
the named question and the export, `reformkg links review`, the review mode's guards, pages
that satisfy the Content-Security-Policy, and views that are the same in every process.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys

import httpx
import pytest

from reformkg.cli import main
from reformkg.etl.lineage import lineages
from reformkg.etl.link import Link, doc_order
from reformkg.graph.query.store import select
from reformkg.graph.read import lineages as read
from reformkg.reviews import FIELDS, read_reviews

from checkout import ROOT

ID = "https://w3id.org/reformkg/id/"
P = "PREFIX rk: <https://w3id.org/reformkg/ontology#>\n"
MIXED_USE = f"{ID}reform/sz-bizenv-2022-b1/34"


def test_lineages_join_counterparts_and_are_named_by_their_earliest_version(build_result):
    found = {x.anchor: x.versions for x in build_result.lineages}
    assert found[("sz-bizenv-2022-b1", "34", None)] == (
        ("sz-bizenv-2022-b1", "34", None),
        ("ndrc-sz-ccr-2023-b2", "5", None),
        ("ccr-typical-2024", "1", None),
    )
    counterparts = {
        frozenset((x.source_key, x.target_key))
        for x in build_result.links
        if x.relation in {"same", "evolution"}
    }
    member = {k: a for a, vs in found.items() for k in vs}
    assert all(len({member[k] for k in pair}) == 1 for pair in counterparts)
    assert sum(len(v) for v in found.values()) == len(member)  # no measure in two lineages


def test_a_lineage_keeps_its_iri_when_a_later_batch_joins(parsed_docs):
    rank = doc_order(parsed_docs)
    a, b, c = (
        ("sz-bizenv-2022-b1", "34", None),
        ("ndrc-sz-ccr-2023-b2", "5", None),
        (
            "ccr-typical-2024",
            "1",
            None,
        ),
    )
    two = lineages([Link(b, a, "evolution", 0.5, "m", ())], rank)
    three = lineages(
        [Link(b, a, "evolution", 0.5, "m", ()), Link(c, b, "same", 0.5, "m", ())], rank
    )
    assert two[0].anchor == three[0].anchor == a
    assert lineages([Link(b, a, "related", 0.5, "m", ())], rank) == []  # related never joins


def test_store_holds_each_lineage_with_its_versions(store, build_result):
    rows = select(
        store,
        P + "SELECT ?r (COUNT(?m) AS ?n) WHERE { ?r a rk:Reform ; rk:hasVersion ?m } GROUP BY ?r",
    )
    assert len(rows) == len(build_result.lineages) >= 20
    assert {str(r["r"]): r["n"] for r in rows}[MIXED_USE] == 3
    inferred = select(
        store, P + f"SELECT ?m WHERE {{ ?m rk:versionOf <{MIXED_USE}> }}"
    )  # OWL-RL, from owl:inverseOf
    assert len(inferred) == 3


def test_side_by_side_alignment_of_the_mixed_use_reform(store):
    x = read.lineage(store, MIXED_USE)
    assert x is not None and [v.doc_id for v in x.versions] == [
        "sz-bizenv-2022-b1",
        "ndrc-sz-ccr-2023-b2",
        "ccr-typical-2024",
    ]
    columns = list(zip(*x.rows, strict=True))
    assert len(columns) == 3 and all(any(c is not None for c in col) for col in columns)
    # every sentence of every version is in the table once, in reading order
    for k, v in enumerate(x.versions):
        cells = [c for c in columns[k] if c is not None]
        text = "".join(r.text for c in cells for r in c.runs)
        assert re.sub(r"\s", "", text) == re.sub(
            r"\s", "", "".join(x.points.get(v.iri) or [v.practice or ""])
        )
    # the 2023 model's points are numbered where they start; changes are marked inside sentences
    assert [c.point for c in columns[1] if c is not None and c.starts_point] == [1, 2, 3]
    assert any(r.added for c in columns[2] if c is not None for r in c.runs)
    assert any(r.dropped for c in columns[0] if c is not None for r in c.runs)
    assert {x.relation for x in x.links} == {"evolution"} and len(x.links) == 3


def test_alignment_keeps_a_kept_sentence_in_its_row():
    rows = read.align(
        [[(None, "甲。"), (None, "乙。")], [(None, "甲。"), (None, "丙。"), (None, "乙改。")]]
    )
    texts = [[None if c is None else "".join(r.text for r in c.runs) for c in row] for row in rows]
    assert texts[0] == ["甲。", "甲。"]
    assert ["乙。", "乙改。"] in texts or ["乙。", "丙。"] in texts
    assert rows[0][1] is not None and rows[0][1].state == "kept"


def test_lineages_page_lists_filters_and_sorts(live_server, store):
    page = httpx.get(f"{live_server}/lineages")
    assert page.status_code == 200
    total = len(select(store, P + "SELECT ?r WHERE { ?r a rk:Reform }"))
    assert page.text.count('href="/lineages/') == total
    assert "深圳营商环境创新试点首批清单" in page.text  # short Chinese document titles
    land = httpx.get(f"{live_server}/lineages", params={"theme": "mixed-use-land"}).text
    assert 0 < land.count('href="/lineages/') < total and "混合产业用地" in land
    agency = httpx.get(f"{live_server}/lineages", params={"agency": "市场监督管理局"}).text
    assert 0 < agency.count('href="/lineages/') < total
    by_first = httpx.get(f"{live_server}/lineages", params={"sort": "first"}).text
    assert by_first.count('href="/lineages/') == total


def test_lineage_page_and_measure_page_link_to_each_other(live_server):
    page = httpx.get(f"{live_server}/lineages/sz-bizenv-2022-b1/34")
    assert page.status_code == 200
    assert page.text.count("<th style=") == 3  # three versions side by side
    for head in (
        "深圳营商环境创新试点首批清单",
        "再次推广深圳综改举措的通知",
        "综改试点典型经验",
        "2023-10-27",
    ):
        assert head in page.text
    assert "牵头单位" in page.text and "完成时限" in page.text and "得分 score" in page.text
    measure = httpx.get(f"{live_server}/id/measure/ccr-typical-2024/1").text
    assert 'href="/lineages/sz-bizenv-2022-b1/34"' in measure
    assert "算法 machine" in measure  # each link's status
    assert httpx.get(f"{live_server}/lineages/nope/1").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/lineages",
        "/lineages/sz-bizenv-2022-b1/34",
        "/id/measure/sz-bizenv-2022-b1/47",
        "/viz/evolution",
    ],
)
def test_pages_satisfy_the_content_security_policy(live_server, path):
    html = httpx.get(live_server + path).text
    for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
        attrs, body = script
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        assert "src=" not in attrs or not body.strip()
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"(src|href)=\"https?://", html)


def test_named_question_and_export(build_dir, capsys):
    assert (
        main(
            [
                "query",
                "reform-lineages",
                "--build",
                str(build_dir),
                "-f",
                "csv",
                "-p",
                "theme=mixed-use-land",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["reform"] for r in rows} == {MIXED_USE} and len(rows) == 3
    assert main(["export", "lineages", "--build", str(build_dir), "--labels", "keys"]) == 0
    out = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    mixed = [r for r in out if r["lineage"] == MIXED_USE]
    assert [r["document_short_title"] for r in mixed] == [
        "深圳营商环境创新试点首批清单",
        "再次推广深圳综改举措的通知",
        "综改试点典型经验",
    ]
    assert [r["position"] for r in mixed] == ["1", "2", "3"]


def test_links_review_lists_and_records(tmp_path, capsys):
    from shutil import copytree

    from reformkg.settings import bundled

    data = tmp_path / "data"
    copytree(bundled("data"), data)
    assert main(["links", "review", "--data", str(data), "--limit", "5"]) == 0
    listed = capsys.readouterr().out
    assert listed.count(" → ") == 5 and ("threshold" in listed or "practice texts" in listed)
    first = re.search(r"1\. (\S+) → (\S+)", listed)
    assert first
    args = ["links", "review", "--data", str(data), "--reject", first[1], first[2]]
    assert main([*args, "--reviewer", "王分析", "--note", "不同改革", "--date", "2026-11-30"]) == 0
    reviews = read_reviews(data / "link-reviews.csv")
    assert [(r.source, r.target, r.decision, r.reviewer) for r in reviews] == [
        (first[1], first[2], "reject", "王分析")
    ]
    assert main(["links", "review", "--data", str(data), "--limit", "5"]) == 0
    assert f"{first[1]} → {first[2]}" not in capsys.readouterr().out  # reviewed: not listed again
    assert (
        main(["links", "review", "--data", str(data), "--add", "a:1", "b:2", "--reviewer", "x"])
        == 2
    )
    assert "relation" in capsys.readouterr().err


def test_review_mode_is_off_by_default(live_server):
    r = httpx.post(
        f"{live_server}/links/review",
        data={"source": "a:1", "target": "b:2", "decision": "reject", "csrf": "x"},
    )
    assert r.status_code == 404
    assert "/links/review" not in httpx.get(f"{live_server}/id/measure/sz-bizenv-2022-b1/47").text


@pytest.fixture(scope="module")
def review_server(tmp_path_factory, build_dir):
    from shutil import copytree

    from conftest import start_server

    from reformkg.settings import bundled

    data = tmp_path_factory.mktemp("review-data")
    copytree(bundled("data"), data, dirs_exist_ok=True)
    proc, base = start_server(
        build_dir, {"REFORMKG_REVIEW": "1", "REFORMKG_DATA": str(data), "REFORMKG_WARM_VIEWS": "0"}
    )
    try:
        yield base, data
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_review_mode_needs_the_token_and_this_origin(review_server):
    base, data = review_server
    page = httpx.get(f"{base}/id/measure/sz-bizenv-2022-b1/47").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token and 'value="confirm"' in page and 'value="reject"' in page
    form = {
        "source": "ccr-typical-2024:8",
        "target": "sz-bizenv-2022-b1:47",
        "decision": "confirm",
        "reviewer": "李审核",
        "note": "=same instrument",
    }
    assert httpx.post(f"{base}/links/review", data={**form, "csrf": "forged"}).status_code == 403
    evil = httpx.post(
        f"{base}/links/review",
        data={**form, "csrf": token[1]},
        headers={"Origin": "http://evil.example"},
    )
    assert evil.status_code == 403
    assert not (data / "link-reviews.csv").read_text().strip().count("\n")  # header only
    ok = httpx.post(
        f"{base}/links/review",
        data={**form, "csrf": token[1]},
        headers={"Origin": base, "Referer": f"{base}/id/measure/sz-bizenv-2022-b1/47"},
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith(
        "/id/measure/sz-bizenv-2022-b1/47?"
    )
    [review] = read_reviews(data / "link-reviews.csv")
    assert (review.source, review.decision, review.reviewer, review.note) == (
        "ccr-typical-2024:8",
        "confirm",
        "李审核",
        "=same instrument",
    )
    assert "'=same instrument" in (data / "link-reviews.csv").read_text()  # safe in a spreadsheet
    assert (data / "link-reviews.csv").read_text().splitlines()[0] == ",".join(FIELDS)


def test_review_mode_serves_on_this_machine_only(capsys):
    assert main(["serve", "--review", "--host", "0.0.0.0", "--no-build"]) == 2
    assert "127.0.0.1 only" in capsys.readouterr().err


RENDER = """
import hashlib, sys
from reformkg.graph.query.store import open_store
from reformkg.graph.read.analytics import Filters
from reformkg.viz.pages import view_page
from reformkg.viz.render import Page, filter_options
store = open_store(sys.argv[1])
page, options = Page(), filter_options(store)
for name in ("agencies", "evolution", "themes"):
    for f in (Filters(), Filters(doc="ndrc-sz-ccr-2023-b2")):
        print(name, hashlib.sha256(view_page(store, name, f, page, options).encode()).hexdigest())
"""


def _under_seeds(code: str, build_dir, seeds: tuple[str, ...]) -> set[str]:
    """What `code` prints about the build, run in a new process for each PYTHONHASHSEED."""
    return {
        subprocess.run(
            [sys.executable, "-c", code, str(build_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in seeds
    }


def test_views_are_the_same_html_for_any_hash_seed(build_dir):
    """Same store, same HTML, whatever PYTHONHASHSEED (sets and dicts of strings iterate in
    another order in every process)."""
    outs = _under_seeds(RENDER, build_dir, ("0", "1", "4242"))
    assert len(outs) == 1 and len(next(iter(outs)).splitlines()) == 6


def test_lineage_pages_are_the_same_for_any_hash_seed(build_dir):
    code = (
        "import sys, hashlib\n"
        "from reformkg.graph.query.store import open_store\n"
        "from reformkg.graph.read import lineages as L\n"
        "s = open_store(sys.argv[1])\n"
        "print(hashlib.sha256(repr([L.lineage(s, x.iri) for x in L.lineage_summaries(s)]).encode()).hexdigest())\n"
    )
    assert len(_under_seeds(code, build_dir, ("0", "7"))) == 1


def _view_data(html: str) -> dict:
    import json

    raw = re.search(r'<script type="application/json" id="rk-data">(.*?)</script>', html, re.S)
    assert raw
    return json.loads(raw[1])


@pytest.mark.parametrize("printed", ["市市场监管局", "市场监管局", "市場監管局"])
def test_agency_filter_takes_printed_names(live_server, printed):
    """市场监管局 or the printed 市市场监管局 used to give an empty canvas."""
    canonical = _view_data(
        httpx.get(f"{live_server}/viz/evolution", params={"agency": "深圳市市场监督管理局"}).text
    )
    typed = _view_data(httpx.get(f"{live_server}/viz/evolution", params={"agency": printed}).text)
    assert typed["stats"] == canonical["stats"] and typed["stats"]["nodes"] > 10
    assert typed["filters"] == {"agency": "深圳市市场监督管理局"}


def test_evolution_panels_lead_to_the_side_by_side_page(live_server):
    data = _view_data(
        httpx.get(f"{live_server}/viz/evolution", params={"measure": "sz-bizenv-2022-b1/34"}).text
    )
    assert data["stats"]["nodes"] == 3 and data["stats"]["edges"] == 3
    assert {p.get("lineage") for p in data["panels"].values()} == {"/lineages/sz-bizenv-2022-b1/34"}

"""Curator review (issue 15): data/link-reviews.csv honoured by a real build of the bundled
documents, every decision, and the reviews that no longer match anything.

One build with a review file that rejects a machine link, confirms one (correcting its
relation), adds one the linker missed, and points at a measure that does not exist; then the
graph (SPARQL on the built store), the report and the links export are read back.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reformkg.errors import InputError
from reformkg.graph.query.store import open_store, select
from reformkg.reviews import FIELDS, Review, append_review, read_reviews
from reformkg.settings import Settings, bundled

from checkout import ROOT

P = """PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
ID = "https://w3id.org/reformkg/id/"
#: a machine link the issue names as wrong (一照通 ↔ 一照通行 are different reforms) — picked from
#: the build's own links below, so the test does not depend on the linker's thresholds
REVIEWS = [
    # (source, target, decision, relation, reviewer, date, note)
    ("{reject_s}", "{reject_t}", "reject", "", "王分析", "2026-11-30", "=not the same reform"),
    ("{confirm_t}", "{confirm_s}", "confirm", "same", "李审核", "2026-11-29", "restated"),
    ("ccr-practices-undated:41", "qhsk-ftz-b6:19", "add", "related", "王分析", "2026-11-30", ""),
    ("ccr-typical-2024:999", "sz-bizenv-2022-b1:47", "confirm", "", "王分析", "2026-11-30", "gone"),
    ("qhsk-ftz-b6:7", "sz-bizenv-2022-b1:187", "reject", "", "王分析", "2026-11-30", "no link"),
]


def ask(store, where: str) -> bool:
    return bool(select(store, P + f"SELECT ?x WHERE {{ {where} BIND(1 AS ?x) }} LIMIT 1"))


def _ref(iri: str) -> str:
    doc, tail = iri.removeprefix(ID + "measure/").split("/")
    return f"{doc}:{tail}"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, store):
    """A build of the bundled documents with a review file of every kind of decision."""
    links = select(
        store,
        P
        + """SELECT ?s ?t ?rel WHERE { ?l a rk:MeasureLink ; rk:linkSource ?s ; rk:linkTarget ?t ;
        rk:relation ?rel } ORDER BY ?s ?t""",
    )
    evolutions = [r for r in links if r["rel"].endswith("#Evolution")]
    reject, confirm = evolutions[0], evolutions[1]
    fill = {
        "reject_s": _ref(reject["s"]),
        "reject_t": _ref(reject["t"]),
        "confirm_s": _ref(confirm["s"]),
        "confirm_t": _ref(confirm["t"]),
    }
    data = tmp_path_factory.mktemp("reviewed-data")
    shutil.copytree(bundled("data"), data, dirs_exist_ok=True)
    with (data / "link-reviews.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(FIELDS)
        for row in REVIEWS:
            w.writerow([c.format(**fill) for c in row])
    settings = replace(Settings.defaults(), data_dir=data, build_dir=data / "build")
    from reformkg.graph.pipeline.build import build

    build(settings)
    return {
        "settings": settings,
        "store": open_store(settings.build_dir),
        "report": json.loads((settings.build_dir / "report.json").read_text()),
        "reject": reject,
        "confirm": confirm,
    }


def _link(store, s: str, t: str) -> list[dict]:
    return select(
        store,
        P
        + f"""SELECT ?rel ?status ?score WHERE {{ ?l rk:linkSource <{s}> ; rk:linkTarget <{t}> ;
        rk:relation ?rel ; rk:linkStatus ?status . OPTIONAL {{ ?l rk:linkScore ?score }} }}""",
    )


def test_a_rejected_link_is_gone_and_its_review_stays(reviewed):
    store, r = reviewed["store"], reviewed["reject"]
    assert _link(store, r["s"], r["t"]) == []
    assert not ask(store, f"<{r['s']}> rk:evolvesFrom <{r['t']}> .")
    rows = select(
        store,
        P
        + f"""SELECT ?who ?date ?note WHERE {{ ?rv a rk:LinkReview ; rk:decision rk:Reject ;
        rk:reviewedSource <{r["s"]}> ; rk:reviewedTarget <{r["t"]}> ;
        prov:wasAssociatedWith/rdfs:label ?who ; dcterms:date ?date ; rdfs:comment ?note }}""",
    )
    assert [(x["who"], str(x["date"]), x["note"]) for x in rows] == [
        ("王分析", "2026-11-30", "=not the same reform")
    ]


def test_a_confirmed_link_is_marked_and_its_relation_corrected(reviewed):
    store, c = reviewed["store"], reviewed["confirm"]
    (row,) = _link(store, c["s"], c["t"])
    assert row["rel"].endswith("#SameReform") and row["status"].endswith("#CuratorConfirmed")
    assert row["score"] is not None  # the machine's score is kept
    assert ask(store, f"<{c['s']}> rk:sameReformAs <{c['t']}> .")
    assert ask(
        store,
        f"""?l rk:linkSource <{c["s"]}> ; rk:linkTarget <{c["t"]}> ;
        prov:wasAttributedTo <{ID}agent/reformkg-linker> ;
        rk:reviewedIn/prov:wasAssociatedWith/rdfs:label "李审核" .""",
    )


def test_an_added_link_is_there_with_its_relation_and_curator(reviewed):
    store = reviewed["store"]
    s, t = f"{ID}measure/ccr-practices-undated/41", f"{ID}measure/qhsk-ftz-b6/19"
    (row,) = _link(store, s, t)
    assert row["rel"].endswith("#Related") and row["status"].endswith("#CuratorAdded")
    assert row["score"] is None
    assert ask(store, f"<{s}> rk:relatedTo <{t}> .")
    assert ask(
        store,
        f"""?l rk:linkSource <{s}> ; prov:wasAttributedTo/rdfs:label "王分析" ;
        prov:wasGeneratedBy/rk:decision rk:Add .""",
    )


def test_stale_reviews_are_reported_not_applied(reviewed):
    review = reviewed["report"]["review"]
    stale = {(s["line"], s["reason"]) for s in review["stale"]}
    assert stale == {
        (5, "no measure ccr-typical-2024:999 in this build"),
        (6, "the linker no longer links these measures"),
    }
    assert review["applied"] == {"add": 1, "confirm": 1, "reject": 1}
    assert review["links_by_status"]["added"] == 1
    md = (reviewed["settings"].build_dir / "report.md").read_text()
    assert "line 5: confirm ccr-typical-2024:999" in md


def test_links_export_has_the_status_column(reviewed):
    out = subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "export", "links", "--labels", "keys"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "REFORMKG_BUILD": str(reviewed["settings"].build_dir)},
        check=True,
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(rows[0]) >= {"source", "target", "relation", "score", "status", "evidence"}
    statuses = {r["status"] for r in rows}
    assert statuses == {"machine", "confirmed", "added"}
    added = [r for r in rows if r["status"] == "added"]
    assert added[0]["score"] == "" and added[0]["source"].endswith("ccr-practices-undated/41")


def test_a_malformed_review_stops_the_build_naming_the_line(tmp_path):
    path = tmp_path / "link-reviews.csv"
    path.write_text(
        ",".join(FIELDS) + "\nqhsk-ftz-b6:2,sz-bizenv-2022-b1:153,maybe,,王,2026-11-30,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_reviews(path)
    assert str(err.value).startswith(f"{path}:2: decision 'maybe'")
    path.write_text("source,target\n", encoding="utf-8")
    with pytest.raises(InputError, match=":1: the header must be"):
        read_reviews(path)


def test_appended_reviews_read_back_exactly(tmp_path):
    path = tmp_path / "sub" / "link-reviews.csv"
    first = Review("qhsk-ftz-b6:2", "sz-bizenv-2022-b1:153", "reject", "", "王", "2026-11-30", "")
    second = Review("a-doc:1", "b-doc:2-3", "add", "evolution", "@eve", "2026-12-01", "=1+1 注")
    append_review(path, first)
    append_review(path, second)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(FIELDS)
    assert "'@eve" in text and "'=1+1 注" in text  # neutralised for spreadsheets
    got = read_reviews(path)
    assert [replace(r, line=0) for r in got] == [first, second]
    assert [r.line for r in got] == [2, 3]
    with pytest.raises(ValueError, match="relation"):
        append_review(path, replace(second, relation=""))
    assert not list(Path(path.parent).glob(".*.tmp"))

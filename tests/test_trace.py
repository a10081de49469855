"""`reformkg trace` and `graph.trace` on the session's real build: finding a measure by IRI,
doc_id:number or part of a name, the chain across batches, the practice-text difference, the
errors an analyst can act on, and the rows `reformkg export links` writes.

Expected texts are quoted from data/raw/*.txt (sz-bizenv-2022-b1 item 47 and ccr-typical-2024
item 8 for IP securitisation; sz-bizenv-2022-b1 34, ndrc-sz-ccr-2023-b2 5, ccr-typical-2024 1
for mixed-use land).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from reformkg.cli import main
from reformkg.graph.query.store import select
from reformkg.graph.read.trace import (
    AmbiguousQuery,
    MeasureNotFound,
    find,
    link_rows,
    resolve,
    sentence_diff,
    trace,
)
from reformkg.vocab import measure_iri

from checkout import ROOT


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["trace", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_trace_ip_securitisation_by_name(capsys, build_dir):
    code, out, err = run_cli(capsys, "知识产权证券化", "--build", str(build_dir))
    assert code == 0, err
    first, second = out.index("开展知识产权证券化试点"), out.index("打造知识产权证券化特色品牌")
    assert first < second  # earliest batch first
    assert "≥ 2024-10-01 (inferred)" in out and "深圳市市场监督管理局" in out
    assert "2022年3月底" in out  # the 2022 task's deadline
    # what the 2024 text dropped and added, as printed in the two documents
    assert "      - 运用深圳市知识产权运营服务体系建设专项资金" in out
    assert "      + (2) 率先发行专项支持高校科技成果转化企业的知识产权证券化项目" in out
    assert "evolves from [1]" in out


def test_trace_mixed_use_chain_by_reference(capsys, build_dir):
    code, out, err = run_cli(capsys, "sz-bizenv-2022-b1:34", "--build", str(build_dir))
    assert code == 0, err
    names = (
        "推进二三产业用地混合利用",
        "二三产业混合用地新模式",
        "创新“混合产业用地供应+土地用途灵活转换”机制",
    )
    positions = [out.index(name) for name in names]
    assert positions == sorted(positions)
    assert "evolves from [1]" in out and "evolves from [2]" in out
    assert "厦门市" in out  # the 2024 measure's pilot place


def test_trace_by_iri_equals_reference(store):
    iri = str(measure_iri("ccr-typical-2024", "8"))
    assert resolve(store, iri) == iri
    assert resolve(store, "ccr-typical-2024:8") == iri
    chain = trace(store, iri)
    assert [s.doc_id for s in chain.steps] == ["sz-bizenv-2022-b1", "ccr-typical-2024"]


def test_ambiguous_name_lists_candidates(capsys, build_dir, parsed_docs):
    expected = sum(1 for d in parsed_docs for m in d.measures if "知识产权" in m.name.clean)
    code, out, err = run_cli(capsys, "知识产权", "--build", str(build_dir))
    assert code == AmbiguousQuery.exit_code and out == ""
    assert f"matches {expected} measures" in err
    assert "ndrc-sz-ccr-2023-b2:2" in err and "Traceback" not in err


def test_multi_row_item_number_is_ambiguous(store):
    with pytest.raises(AmbiguousQuery) as caught:
        resolve(store, "sz-bizenv-2022-b1:7")
    assert [c.ref for c in caught.value.candidates] == [
        "sz-bizenv-2022-b1:7-1",
        "sz-bizenv-2022-b1:7-2",
    ]


def test_not_found_is_one_readable_line(capsys, build_dir):
    code, out, err = run_cli(capsys, "没有这样的举措", "--build", str(build_dir))
    assert code == MeasureNotFound.exit_code and out == ""
    assert err.count("\n") == 1 and "没有这样的举措" in err
    assert find_nothing(build_dir)


def find_nothing(build_dir) -> bool:
    from reformkg.graph.query.store import open_store

    return find(open_store(build_dir), "sz-bizenv-2022-b1:9999") == []


def test_missing_build_is_an_error(capsys, tmp_path):
    code, out, err = run_cli(capsys, "知识产权证券化", "--build", str(tmp_path))
    assert code == 2 and "reformkg build" in err


def test_query_text_is_never_pasted_into_sparql(store):
    """Quotes and braces in a name query are data, not SPARQL."""
    assert find(store, '证券化" } UNION { ?m ?p ?o } #') == []


def test_cli_entry_point_runs(build_dir):
    out = subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "trace", "航运全链条", "--build", str(build_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "优化航运全链条综合服务" in out.stdout and "强化航运全链条服务集成" in out.stdout


def test_sentence_diff_marks_added_dropped_and_reworded():
    earlier = "建立平台。开展试点工作。发布指引。"
    later = "建立平台。开展试点工作并推广。新增服务专区。"
    diff = sentence_diff(earlier, later)
    assert ("=", "建立平台。") in diff
    assert ("~", "开展试点工作{+并推广+}。") in diff
    assert ("-", "发布指引。") in diff and ("+", "新增服务专区。") in diff


def test_link_rows_match_the_store(store, build_result):
    fields, rows = link_rows(store)
    assert fields == ["source", "target", "relation", "score", "status", "evidence"]
    count = select(
        store,
        "PREFIX rk: <https://w3id.org/reformkg/ontology#> "
        "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?l a rk:MeasureLink }",
    )
    assert len(rows) == count[0]["n"] == len(build_result.links)
    by_pair = {(r["source"], r["target"]): r for r in rows}
    row = by_pair[
        (str(measure_iri("ccr-typical-2024", "8")), str(measure_iri("sz-bizenv-2022-b1", "47")))
    ]
    assert row["relation"] == "evolution" and "知识产权证券化" in row["evidence"].split("；")
    assert {r["status"] for r in rows} == {"machine"}  # the bundled review file is empty


def test_export_links_jsonl(capsys, build_dir):
    import json

    assert main(["export", "links", "--format", "jsonl", "--build", str(build_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = json.loads(lines[0])
    assert set(first) == {"source", "target", "relation", "score", "status", "evidence"}

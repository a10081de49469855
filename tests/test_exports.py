"""`reformkg export`: the command-line exports, run as a user runs them, checked against SPARQL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reformkg.graph.query.store import select

from checkout import ROOT


def export(build_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reformkg.cli", "export", *args, "--build", str(build_dir)],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


def count(store, where: str) -> int:
    query = f"""PREFIX rk: <https://w3id.org/reformkg/ontology#>
    SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}"""
    return int(select(store, query)[0]["n"])


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_measures_export_has_one_row_per_measure(build_dir, store, fmt: str) -> None:
    done = export(build_dir, "measures", "--format", fmt, "--labels", "keys")
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode("utf-8")
    rows = (
        list(csv.DictReader(io.StringIO(text)))
        if fmt == "csv"
        else [json.loads(line) for line in text.splitlines()]
    )
    assert len(rows) == count(store, "?x a rk:Measure")
    assert len({r["iri"] for r in rows}) == len(rows)
    # Chinese comes back exactly as stored (no escaping, no normalisation)
    labels = {
        r["m"]: r["l"]
        for r in select(
            store,
            "SELECT ?m ?l WHERE { ?m a <https://w3id.org/reformkg/ontology#Measure> ; "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?l }",
        )
    }
    assert all(r["name"] == labels[r["iri"]] for r in rows)


def test_an_inherited_name_exports_an_empty_printed_name(build_dir, store) -> None:
    done = export(build_dir, "measures", "--format", "jsonl")
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    flagged = {
        r["m"]
        for r in select(
            store,
            "SELECT ?m WHERE { ?m <https://w3id.org/reformkg/ontology#parseFlag> "
            '"name-inherited" }',
        )
    }
    assert flagged, "the 2022 list has task rows that print no name"
    inherited = [r for r in rows if r["iri"] in flagged]
    assert len(inherited) == len(flagged)
    assert all(r["name_raw"] == "" and r["name"] for r in inherited)


def test_csv_headers_and_themes_in_chinese_by_default_or_english(build_dir, store) -> None:
    """For Excel: Chinese headers (the documents' terms) and theme labels by default, English
    with --labels en; source lines as two numbers, never "11-16" (a date to Excel)."""
    zh = list(csv.DictReader(io.StringIO(export(build_dir, "measures").stdout.decode())))
    en = list(
        csv.DictReader(io.StringIO(export(build_dir, "measures", "--labels", "en").stdout.decode()))
    )
    keys = list(
        csv.DictReader(
            io.StringIO(export(build_dir, "measures", "--labels", "keys").stdout.decode())
        )
    )
    assert {"牵头单位", "责任单位", "完成时限", "推广范围", "实施效果", "起始行", "结束行"} <= set(
        zh[0]
    )
    assert {"Lead agencies", "Deadline", "First line", "Last line"} <= set(en[0])
    assert "source_lines" not in keys[0] and {"line_start", "line_end"} <= set(keys[0])
    assert all(r["line_start"].isdigit() and r["line_end"].isdigit() for r in keys)
    assert all(int(r["line_start"]) <= int(r["line_end"]) for r in keys)
    labels = {
        str(r["t"]).rsplit("/", 1)[-1]: (str(r["zh"]), str(r["en"]))
        for r in select(
            store,
            """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?t ?zh ?en WHERE { ?t skos:prefLabel ?zh , ?en .
              FILTER(LANGMATCHES(LANG(?zh), "zh") && LANGMATCHES(LANG(?en), "en")) }""",
        )
    }
    for z, e, k in zip(zh, en, keys, strict=True):
        ids = [t for t in k["themes"].split("；") if t]
        assert z["主题"] == "；".join(labels[t][0] for t in ids)
        assert e["Themes"] == "；".join(labels[t][1] for t in ids)


def test_agencies_export_matches_the_graph(build_dir, store) -> None:
    done = export(build_dir, "agencies", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    assert len(rows) == count(store, "?x a rk:Agency")


def test_bom_and_out_file(build_dir, tmp_path: Path) -> None:
    out = tmp_path / "measures.csv"
    done = export(build_dir, "measures", "--bom", "--out", str(out))
    assert done.returncode == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert f"to {out}" in done.stderr.decode()


def test_a_reader_that_leaves_early_is_not_an_error(build_dir) -> None:
    """`reformkg export measures | head -1` ends quietly (no BrokenPipeError traceback)."""
    cmd = (
        f"{sys.executable} -m reformkg.cli export measures --build {build_dir} | head -c 10"
        " >/dev/null; exit ${PIPESTATUS[0]}"
    )
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, cwd=ROOT, timeout=120)
    assert b"Traceback" not in done.stderr
    assert done.returncode == 0


def test_missing_build_names_the_folder(tmp_path: Path) -> None:
    done = export(tmp_path, "measures")
    assert done.returncode != 0
    message = done.stderr.decode()
    assert str(tmp_path) in message and "reformkg build" in message
    assert "Traceback" not in message

"""CSV formula injection (issue 13, #3): every CSV a person may open in a spreadsheet is safe.

A real build of a small document (cut from the bundled first batch) whose measure names,
practice text and agencies were rewritten to begin with =, +, - and @, as a hostile or careless
source could print them, is read back through every writer: `reformkg export` (with and
without --bom), `reformkg query --format csv`, `/queries/{name}` as CSV and TSV, `/sparql` as
CSV (TSV writes every literal in quotes) and the query page's CSV download in chromium. No cell
may begin with a formula character unless it is a plain number; `--raw` / `raw=true` give the
values exactly.

Found failing (issue 13): `=HYPERLINK(…)` came out verbatim at the start of a cell everywhere.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import start_server

from reformkg.graph.pipeline.build import build
from reformkg.spreadsheet import neutralise, write_table

from checkout import ROOT
from parse_fixtures import data_folder, settings_for

NAME = '=HYPERLINK("http://example.invalid/?leak","拓展平台业务范围")'
PRACTICE = "@SUM(1+1)*cmd|' /C calc'!A0 "
LEAD = "+市市场监管局"
RESPONSIBLE = "-各有关单位"
NAME_4 = "-2+3+cmd|' /C calc'!A0 打造智能导办"
#: What a spreadsheet evaluates: a cell starting with one of these, unless a plain number.
FORMULA = re.compile(r"[=+\-@\t\r]")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
MEASURES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rk: <https://w3id.org/reformkg/ontology#>
SELECT ?m ?label WHERE { ?m a rk:Measure ; rdfs:label ?label } ORDER BY ?m
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build of a document whose cells begin with formula characters."""
    root = tmp_path_factory.mktemp("hostile")
    data = data_folder("star-markers-and-footnote", root)
    raw = data / "raw" / "star-markers-and-footnote.txt"
    text = raw.read_text(encoding="utf-8")
    for old, new in [
        ("\t拓展“开办企业一窗通”平台业务范围", f"\t{NAME}"),
        ("\t申请人通过", f"\t{PRACTICE}申请人通过"),
        ("\t市市场监管局\n\t各有关单位", f"\t{LEAD}\n\t{RESPONSIBLE}"),
        ("\t打造开办企业全天候、零等候智能导办", f"\t{NAME_4}"),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    raw.write_text(text, encoding="utf-8")
    out = root / "build"
    build(settings_for(data, out))
    return out


@pytest.fixture(scope="module")
def hostile_server(hostile: Path):
    proc, base = start_server(hostile)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def formulas(rows: list[list[str]]) -> list[str]:
    """The cells a spreadsheet would evaluate."""
    return [c for row in rows for c in row if FORMULA.match(c) and not PLAIN_NUMBER.fullmatch(c)]


def table(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "reformkg.cli", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8")


def test_neutralise_follows_owasp_and_leaves_numbers() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\t=1") == "'\t=1" and neutralise("\r=1") == "'\r=1"
    assert neutralise("-") == "'-" and neutralise("+86 755") == "'+86 755"
    assert neutralise("-2+3") == "'-2+3"  # Excel computes it: not a plain number
    for number in ("-3", "+1.5", "-1.5e3", "0", ".5"):
        assert neutralise(number) == number
    assert neutralise("深圳市 =1") == "深圳市 =1"
    text = write_table(["a", "=b"], [[None, "=x"], [3, "-4"]])
    assert text == "a,'=b\r\n,'=x\r\n3,-4\r\n"
    assert write_table(["a"], [["=x"]], raw=True) == "a\r\n=x\r\n"


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
@pytest.mark.parametrize("what", ["measures", "agencies", "links", "workload"])
def test_export_csv_has_no_formula(hostile: Path, what: str, bom: bool) -> None:
    text = cli("export", what, "--build", str(hostile), *(["--bom"] if bom else []))
    assert text.startswith("\ufeff") == bom
    rows = table(text)
    assert len(rows) > 1 or what == "links"  # one document: no links across documents
    assert formulas(rows) == []


def test_export_shows_the_hostile_text_as_text(hostile: Path) -> None:
    rows = {
        r["seq"]: r
        for r in csv.DictReader(
            io.StringIO(cli("export", "measures", "--labels", "keys", "--build", str(hostile)))
        )
    }
    assert rows["1"]["name"] == "'" + NAME
    assert rows["4"]["name"] == "'" + NAME_4
    assert rows["2"]["practices"].startswith("'" + PRACTICE)
    assert rows["3"]["lead_agencies"] == "'" + LEAD
    assert rows["3"]["responsible_agencies"] == "'" + RESPONSIBLE
    agencies = [
        r["name"]
        for r in csv.DictReader(
            io.StringIO(cli("export", "agencies", "--labels", "keys", "--build", str(hostile)))
        )
    ]
    assert "'" + LEAD in agencies and "'" + RESPONSIBLE in agencies


def test_export_raw_keeps_the_values(hostile: Path) -> None:
    text = cli("export", "measures", "--labels", "keys", "--build", str(hostile), "--raw")
    rows = {r["seq"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["1"]["name"] == NAME and rows["3"]["lead_agencies"] == LEAD


def test_query_cli_csv_has_no_formula(hostile: Path) -> None:
    args = ("query", "overdue-measures", "-p", "asOf=2030-01-01", "--format", "csv")
    rows = table(cli(*args, "--build", str(hostile)))
    assert formulas(rows) == []
    assert "'" + NAME in [c for row in rows for c in row]
    raw = table(cli(*args, "--build", str(hostile), "--raw"))
    assert NAME in [c for row in raw for c in row] and LEAD in [c for row in raw for c in row]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_named_question_over_http_has_no_formula(hostile_server: str, fmt: str) -> None:
    url = f"{hostile_server}/queries/overdue-measures"
    answer = httpx.get(url, params={"asOf": "2030-01-01", "format": fmt})
    assert answer.status_code == 200, answer.text
    rows = table(answer.text, "," if fmt == "csv" else "\t")
    assert len(rows) == 4  # header and the three measures due by then
    assert formulas(rows) == []
    raw = httpx.get(url, params={"asOf": "2030-01-01", "format": fmt, "raw": "true"})
    cells = [c for row in table(raw.text, "," if fmt == "csv" else "\t") for c in row]
    assert NAME in cells and LEAD in cells


def test_sparql_csv_is_neutralised_and_tsv_quotes_every_literal(hostile_server: str) -> None:
    def get(**params: str) -> str:
        r = httpx.get(f"{hostile_server}/sparql", params={"query": MEASURES, **params})
        assert r.status_code == 200, r.text
        return r.text

    rows = table(get(format="csv"))
    assert formulas(rows) == []
    assert "'" + NAME in [r[1] for r in rows]
    raw = table(get(format="csv", raw="true"))
    assert NAME in [r[1] for r in raw]
    tsv = [line.split("\t") for line in get(format="tsv").splitlines()]  # terms, not CSV
    assert formulas(tsv) == []
    assert all(c[:1] in {'"', "<", "?"} for row in tsv for c in row), tsv


def test_query_page_download_is_neutralised(hostile_server: str, page) -> None:
    """The page builds its CSV in the browser: the same rule, and the same rows as /sparql."""
    page.goto(f"{hostile_server}/")
    page.fill("#query", MEASURES)
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    with page.expect_download() as info:
        page.click("[data-dl=csv]")
    downloaded = table(Path(info.value.path()).read_text(encoding="utf-8"))
    assert formulas(downloaded) == []
    served = httpx.get(f"{hostile_server}/sparql", params={"query": MEASURES, "format": "csv"})
    assert downloaded == table(served.text)
    assert page.console_errors == []


@pytest.mark.parametrize(
    ("path", "table", "expected"),
    [
        ("/workload", "workload-table", "'" + LEAD),
        ("/search?q=" + "拓展平台业务范围", "search-results", "'" + NAME),
    ],
)
def test_workbench_table_downloads_are_neutralised(
    hostile_server: str, page, path: str, table: str, expected: str
) -> None:
    """The workbench tables' CSV (web/static/table.js) follows the same rule."""
    page.goto(hostile_server + path)
    page.wait_for_selector(f"#{table} tbody tr")
    with page.expect_download() as info:
        page.click(f".tablebar[data-for={table}] button.download")
    downloaded = list(
        csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig")))
    )
    assert formulas(downloaded) == []
    assert expected in [c for row in downloaded for c in row]
    assert page.console_errors == []

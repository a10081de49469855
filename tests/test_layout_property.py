"""The same table in every supported layout parses to the same records (STYLE.md anchor 3:
rdflib's test/data/variants — one content, several formats, one result).

Issue #2: "a property-based test (hypothesis) that a table re-rendered in another supported
layout parses to the same records." Tables are generated: a header of known column names (any
synonym of data/columns.toml), rows of Chinese-ish cells (empty cells included), section
headings, and rows with an empty 序号 that continue the item above. Each is rendered as
tab-separated lines, a Markdown table, CSV and one field per line, parsed by reformkg.etl.layout.read_table
+ reformkg.etl.parse.parse_table, and compared with the generated table and with each other.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reformkg.etl.layout import column_names, read_table
from reformkg.etl.parse import parse_table
from reformkg.etl.records import DocumentMeta
from reformkg.etl.text import clean

from checkout import ROOT

NAMES = column_names(ROOT / "data" / "columns.toml")
SYNONYMS: dict[str, list[str]] = {}
for _name, _field in sorted(NAMES.items()):
    SYNONYMS.setdefault(_field, []).append(_name)
OPTIONAL = ["practice", "lead", "responsible", "deadline", "effect", "source", "scope"]
# CJK without the numerals that open a section heading (一、…), digits, and the punctuation the
# documents print: 、，“”（）。；： and ASCII ( ) , (CSV must quote a cell with a comma).
ALPHABET = (
    "改革创新试点深圳厦门浦东市场监管局企业服务数据平台推进建立机制0123456789、，“”（）。；：(),"
)
HEADING_NUMERALS = "一二三四五六七八九十"


@dataclass
class Table:
    header: list[str]  # printed column names
    fields: list[str]  # their canonical fields; fields[0] == "number"
    items: list[object]  # ("heading", text) or a row: list of cells, cells[0] the number or ""


cells = st.text(alphabet=ALPHABET, max_size=12)


@st.composite
def tables(draw) -> Table:
    extra = draw(st.lists(st.sampled_from(OPTIONAL), min_size=1, max_size=4, unique=True))
    fields = ["number", "name", *extra]
    header = [draw(st.sampled_from(SYNONYMS[f])) for f in fields]
    items: list[object] = []
    number = 0
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 5)) == 0:
            numeral = draw(st.sampled_from(HEADING_NUMERALS))
            items.append(
                ("heading", numeral + "、" + draw(st.text(ALPHABET, min_size=1, max_size=10)))
            )
        continuation = number > 0 and draw(st.integers(0, 3)) == 0
        if not continuation:
            number += 1
        row = ["" if continuation else str(number)]
        row += [draw(cells) for _ in fields[1:]]
        items.append(row)
    return Table(header, fields, items)


def render(table: Table, layout: str) -> str:
    width = len(table.header)
    rows = [
        [text] + [""] * (width - 1) if isinstance(item, tuple) else item
        for item in table.items
        for text in ([item[1]] if isinstance(item, tuple) else [None])
    ]
    if layout == "tsv":
        return "\n".join("\t".join(r) for r in [table.header, *rows]) + "\n"
    if layout == "markdown":
        lines = ["| " + " | ".join(table.header) + " |", "|" + "---|" * width]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"
    if layout == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([table.header, *rows])
        return out.getvalue()
    blocks = ["\n".join("\t" + c for c in table.header)]
    for item in table.items:
        blocks.append(
            "\t" + item[1] if isinstance(item, tuple) else "\n".join("\t" + c for c in item)
        )
    return "\n\n".join(blocks) + "\n"


LAYOUTS = ("tsv", "markdown", "csv", "field-per-line")
KEYS = (
    "number",
    "part",
    "number_label",
    "name",
    "section",
    "practice",
    "practice_points",
    "effect",
    "source_raw",
    "scope_raw",
    "lead_raw",
    "responsible_raw",
    "deadline_text",
    "flags",
)


def parse(text: str) -> tuple[str, list[dict], list]:
    lines = text.split("\n")
    found = read_table(lines, NAMES)
    assert found is not None, "no header found"
    meta = DocumentMeta(
        doc_id="t",
        file="t.txt",
        title="",
        kind="ccr-measures",
        batch_order=1,
        jurisdiction="shenzhen",
    )
    raw = parse_table(found, meta, lines)
    records = [{k: r[k] for k in KEYS} for r in raw.rows]
    return found.layout, records, raw.unparsed


def expected_rows(table: Table) -> list[dict]:
    """What the generated table says, row by row (the printed cells; names of continuation
    rows with an empty name are the item's). A row with every cell empty prints nothing: like
    a blank line, it is layout, not a task row."""
    out, section, item_name = [], None, ""
    for item in table.items:
        if isinstance(item, tuple):
            section = (section or 0) + 1
            continue
        if not any(item):
            continue
        cells = dict(zip(table.fields, item, strict=True))
        if cells["number"]:
            item_name = clean(cells["name"])
        out.append(
            {
                "number": cells["number"],
                "section": section,
                "name": clean(cells["name"]) or item_name,
                "practice": cells.get("practice", ""),
                "lead_raw": cells.get("lead", ""),
                "responsible_raw": cells.get("responsible", ""),
                "deadline_text": cells.get("deadline", ""),
                "source_raw": cells.get("source", ""),
                "scope_raw": cells.get("scope", ""),
            }
        )
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_layout_parses_to_the_same_records(table: Table) -> None:
    results = {}
    for layout in LAYOUTS:
        text = render(table, layout)
        detected, records, unparsed = parse(text)
        assert detected == layout, text
        assert unparsed == [], (layout, text, unparsed)
        results[layout] = records
    for layout in LAYOUTS[1:]:
        assert results[layout] == results["tsv"], (layout, render(table, layout))
    want = expected_rows(table)
    got = results["tsv"]
    assert len(got) == len(want), render(table, "tsv")
    for g, w in zip(got, want, strict=True):
        assert g["number_label"] == w["number"]
        assert g["section"] == w["section"]
        assert g["name"].clean == w["name"]
        assert g["practice"].raw == w["practice"]
        for key in ("lead_raw", "responsible_raw", "deadline_text", "source_raw", "scope_raw"):
            assert clean(g[key]) == clean(w[key]), key


def test_a_continuation_row_with_only_its_practice_cell_in_tsv() -> None:
    """A tab-separated task row that prints only its 具体举措 (number, name, agencies and deadline
    empty: "\\t\\t试行…\\t\\t\\t") is still a row; the field-per-line original is read as one."""
    table = Table(
        ["序号", "改革事项", "具体举措", "牵头单位", "责任单位", "完成时限"],
        ["number", "name", "practice", "lead", "responsible", "deadline"],
        [
            [
                "7",
                "开展“一照多址”改革",
                "市场主体在深圳设立分支机构",
                "市市场监管局",
                "",
                "2022年6月底",
            ],
            ["", "", "试行食品经营许可“一证多址”改革", "", "", ""],
        ],
    )
    for layout in LAYOUTS:
        _, records, unparsed = parse(render(table, layout))
        assert unparsed == [], layout
        assert [(r["number"], r["part"]) for r in records] == [("7", 1), ("7", 2)], layout
        assert records[1]["practice"].raw == "试行食品经营许可“一证多址”改革"


def test_a_row_of_empty_cells_is_layout_in_every_layout() -> None:
    """`1\t\t` then `\t\t` in tab-separated text: the second line is blank and is no row; the
    same empty row printed as `|  |  |  |`, `,,` or three lone tabs must not become a task row
    of item 1 either."""
    table = Table(
        ["序号", "名称", "创新做法"],
        ["number", "name", "practice"],
        [["1", "名称", "做法"], ["", "", ""]],
    )
    for layout in LAYOUTS:
        _, records, unparsed = parse(render(table, layout))
        assert unparsed == [], layout
        assert [(r["number"], r["part"]) for r in records] == [("1", None)], layout


def test_renderings_of_a_real_cut_agree() -> None:
    """The fixture rows of ccr-practices-undated (lines 41-43) in all four layouts."""
    text = (ROOT / "data" / "raw" / "ccr-practices-undated.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    rows = [line.split("\t") for line in lines[40:43]]
    table = Table(
        ["序号", "名称", "创新做法", "来源", "推广范围"],
        ["number", "name", "practice", "source", "scope"],
        [("heading", rows[0][0]), rows[1], rows[2]],
    )
    results = {layout: parse(render(table, layout))[1] for layout in LAYOUTS}
    assert all(results[layout] == results["tsv"] for layout in LAYOUTS)
    assert [r["number"] for r in results["tsv"]] == ["15", "16"]
    assert [len(r["practice_points"]) for r in results["tsv"]] == [3, 2]

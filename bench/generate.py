"""A synthetic corpus N× the five bundled documents, for benchmarks at scale.

Why synthetic: the product must stay fast and its links good when a collection holds hundreds
of batches, and only five documents exist. Scaling them up by copying would measure nothing
(identical rows link trivially and deduplicate); inventing text would not exercise the parser.
So each generated document reproduces one bundled document's layout line for line (repeated
headers, `<p>(1)</p>` points, `<b>` sections, one field per line with blank-line row
separators, header cells split over lines, rows without numbers continuing the item above,
letter-spaced names, `*` markers and the footnote, counts like （8项）, the notice's prose
with its stated counts) and fills it with text recombined from the real rows. Practice points
are sentences of clauses drawn from all real practice texts. Names are built as the real ones
are (a verb such as 建立/深化, three or four nouns, a suffix such as 机制/制度), from words of
the real names and texts; no two generated names share two nouns, because a corpus where
unrelated measures share a distinctive phrase would make link precision measure the generator,
not the linker. Agencies, places, scopes, deadlines, stars, empty cells and task rows per item
are drawn from the empirical distributions of the real cells (so a few agencies are very busy
and many measures name several).

Planted evolutions: a measure of a later batch restates an earlier batch's measure with edits
(its verb changed, 进一步 or 改革 added, or its name kept; clauses dropped, replaced and added).
Their true pairs are written to planted_pairs.csv beside the corpus, so link precision and
recall can be measured at any scale. Everything derives from one `random.Random(seed)`, so a
seed gives byte-identical files.

    python -m bench.generate --scale 10 --seed 7 --out bench-out/corpus-10x
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import random
import re
import shutil
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from bench import ROOT

DATA_DIR = ROOT / "data"

# The five bundled documents are the templates: manifest id -> short name used in generated ids.
TEMPLATES = {
    "sz-bizenv-2022-b1": "bizenv",
    "ndrc-sz-ccr-2023-b2": "ndrc",
    "qhsk-ftz-b6": "ftz",
    "ccr-typical-2024": "typical",
    "ccr-practices-undated": "practices",
}
PLANT_RATE = 0.08  # share of one-row items of later batches that restate an earlier measure
PLANT_WINDOW = 15  # an evolution restates a measure of one of the 15 preceding documents
BASE_DATE = date(2022, 1, 1)

_TAG = re.compile(r"</?(?:p|b)>")
_MARK = re.compile(r"[（(]\s*\d{1,2}\s*[)）]\s*")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
_HEADING = re.compile(r"^([一二三四五六七八九十]+)、(.+?)(?:（(\d+)项）)?$")
_PAIRS = (("“", "”"), ("《", "》"), ("（", "）"), ("(", ")"), ("‘", "’"))
_NOTE = "按职责分工负责"
_LANDED = "已落地，持续巩固提升"


# ---------------------------------------------------------------- reading the bundled documents


def _clean(text: str) -> str:
    """Printed cell -> plain text: tags and PDF letter-spacing removed (as the parser does)."""
    return _CJK_GAP.sub("", _TAG.sub(" ", text)).strip()


def _balanced(text: str) -> bool:
    return all(text.count(a) == text.count(b) for a, b in _PAIRS)


def _clauses(cell: str) -> list[str]:
    """Clauses of a practice or effect cell: the unit text is recombined from."""
    text = _MARK.sub("", _clean(cell))
    out = []
    for sentence in re.split(r"[。；;！？]", text):
        for clause in re.split(r"[，,]", sentence):
            clause = clause.strip(" 　：:、")
            if 6 <= len(clause) <= 40 and "<" not in clause and _balanced(clause):
                out.append(clause)
    return out


def _tsv_rows(lines: list[str], width: int) -> list[list[str]]:
    return [
        cells
        for cells in (line.split("\t") for line in lines)
        if len(cells) == width and cells[0].strip().isdigit()
    ]


def _blocks(lines: list[str]) -> list[list[str]]:
    """Field-per-line blocks: runs of lines separated by empty lines ('\\t' is an empty cell)."""
    blocks, current = [], []
    for line in lines:
        if line == "":
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


@dataclass
class Section:
    title: str  # without its numeral, e.g. 投资便利化
    items: int  # items (numbered rows) under it in the bundled document
    standalone: bool = False  # printed as a line of its own, not as a row under a header


@dataclass
class Template:
    doc_id: str
    short: str
    kind: str
    lines: list[str]
    sections: list[Section]
    point_counts: Counter  # <p> points per practice cell (0 = plain text)
    header: list[str] = field(default_factory=list)  # the printed header line(s)


@dataclass
class Pools:
    """What generated rows are drawn from: all of it read from the bundled documents."""

    templates: dict[str, Template]
    vocabulary: list[str]  # nouns printed twice or more in names and practice texts
    quoted: list[str]  # quoted terms of the names, e.g. “一照多址”
    verbs: list[str]  # first words of the names tagged as verbs: 建立, 探索, 深化 …
    verbless_share: float
    suffixes: Counter  # last words of three or more names: 机制, 制度, 模式 …
    suffix_share: float
    clauses: list[str]
    effect_clauses: list[str]
    lead: Counter  # agency as printed -> cells naming it (牵头单位, business-environment list)
    lead_len: Counter
    resp: Counter
    resp_len: Counter
    resp_empty: float
    note_share: float
    ftz_lead: Counter
    ftz_lead_len: Counter
    places: dict[str, Counter]  # template short -> 来源 cell counts
    scopes: dict[str, Counter]
    months: Counter
    landed_share: float
    rows_per_item: Counter  # business-environment list: rows per numbered item
    star_share: float
    ndrc_categories: list[tuple[str, int]]


def _tokens(name: str) -> list[str]:
    """jieba words of a name, with quoted and bracketed spans kept whole."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    units: list[str] = []
    closing = ""
    for tok in jieba.lcut(name, HMM=False):
        if closing:
            units[-1] += tok
            if closing in tok:
                closing = ""
            continue
        opener = next((b for a, b in _PAIRS if a in tok and b not in tok), "")
        units.append(tok)
        closing = opener
    return units


def _tagged(text: str) -> list[tuple[str, str]]:
    """(word, part of speech) by jieba.posseg, without its HMM so that the result is fixed."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return [(p.word, p.flag) for p in jieba.posseg.lcut(text, HMM=False)]


def _read_template(doc_id: str, entry: dict, data_dir: Path) -> tuple[Template, list[list[str]]]:
    """Lines, sections and table rows of one bundled document."""
    lines = (data_dir / "raw" / entry["file"]).read_text(encoding="utf-8").split("\n")
    short = TEMPLATES[doc_id]
    sections: list[Section] = []
    points: Counter = Counter()
    if short in ("bizenv", "ftz"):
        width = 6 if short == "bizenv" else 5
        blocks = _blocks(lines)
        header = blocks[0][1:] if short == "bizenv" else lines[: lines.index("")][4:]
        rows = []
        for block in blocks[1:]:
            cells = [c[1:] if c.startswith("\t") else c for c in block if c.strip() or c == "\t"]
            if len(cells) == 1 and (m := _HEADING.match(cells[0].strip())):
                sections.append(Section(m.group(2), 0))
            elif len(cells) == width:
                rows.append(cells)
                if cells[0] and sections:
                    sections[-1].items += 1
        points[0] = len(rows)
        return Template(doc_id, short, entry["kind"], lines, sections, points, header), rows
    width = {"ndrc": 4, "typical": 6, "practices": 5}[short]
    header = [next(line for line in lines if line.startswith("序号\t"))]
    rows = []
    for line in lines:
        cells = line.split("\t")
        first = _clean(cells[0])
        if (m := _HEADING.match(first)) and not any(c.strip() for c in cells[1:]):
            sections.append(Section(m.group(2), 0, standalone=len(cells) == 1))
        elif len(cells) == width and cells[0].strip().isdigit():
            rows.append(cells)
            points[cells[2].count("<p>") if cells[2].count("<p>") > 1 else 0] += 1
            if sections:
                sections[-1].items += 1
    return Template(doc_id, short, entry["kind"], lines, sections, points, header), rows


@lru_cache(maxsize=4)
def read_pools(data_dir: Path = DATA_DIR) -> Pools:
    """Read the bundled documents once: templates, and the pools rows are drawn from."""
    manifest = tomllib.loads((data_dir / "manifest.toml").read_text(encoding="utf-8"))
    entries = {d["id"]: d for d in manifest["document"]}
    missing = sorted(set(TEMPLATES) - set(entries))
    if missing:
        raise SystemExit(f"bench.generate: templates missing from the manifest: {missing}")
    templates, rows = {}, {}
    for doc_id in sorted(TEMPLATES, key=lambda d: entries[d]["batch_order"]):
        tpl, tpl_rows = _read_template(doc_id, entries[doc_id], data_dir)
        templates[tpl.short], rows[tpl.short] = tpl, tpl_rows

    names = [_clean(r[1]) for rows_ in rows.values() for r in rows_ if r[1].strip()]
    clauses = sorted({c for rows_ in rows.values() for r in rows_ for c in _clauses(r[2])})
    tagged = [_tagged(n) for n in names]
    first = Counter(t[0][0] for t in tagged if t[0][1].startswith("v") and len(t[0][0]) == 2)
    verbs = sorted(w for w, c in first.items() if c >= 2)
    verbless = sum(1 for t in tagged if t[0][0] not in verbs) / len(names)
    last = Counter(t[-1][0] for t in tagged)
    suffixes = Counter({w: c for w, c in last.items() if c >= 3 and len(w) == 2})
    quoted = sorted({u for n in names for u in _tokens(n) if u.startswith("“") and _balanced(u)})
    nouns = Counter(
        w
        for text in [*names, *clauses]
        for w, flag in _tagged(text)
        if flag in {"n", "vn", "nz", "l", "nt"}
        and 2 <= len(w) <= 4
        and re.fullmatch(r"[\u4e00-\u9fff]+", w)
    )
    vocabulary = sorted({w for w, c in nouns.items() if c >= 2} - set(verbs) - set(suffixes))

    effects = sorted(
        {c for r in rows["typical"] for c in _clauses(r[4])}
        | {c for r in rows["ndrc"] for c in _clauses(r[3])}
    )

    def agencies(cells: list[str]) -> tuple[Counter, Counter]:
        names_, lengths = Counter(), Counter()
        for cell in cells:
            parts = [p.replace(_NOTE, "").strip() for p in re.split(r"[、，]", cell) if p.strip()]
            names_.update(p for p in parts if p)
            lengths[len(parts)] += 1
        return names_, lengths

    biz = rows["bizenv"]
    lead, lead_len = agencies([r[3] for r in biz if r[3].strip()])
    resp, resp_len = agencies([r[4] for r in biz if r[4].strip()])
    ftz_lead, ftz_lead_len = agencies([r[3] for r in rows["ftz"]])
    deadlines = [r[5].strip() for r in biz]
    months = Counter(int(m.group(1)) for d in deadlines if (m := re.search(r"年(\d+)月", d)))
    per_item: Counter = Counter()
    count = 0
    for r in biz:
        if r[0].strip():
            if count:
                per_item[count] += 1
            count = 1
        else:
            count += 1
    per_item[count] += 1
    notice = next(line for line in templates["ndrc"].lines if line.startswith("本次推广借鉴"))
    categories = [(cat, int(n)) for n, cat in re.findall(r"等(\d+)条([^；。]+)", notice)]
    return Pools(
        templates=templates,
        vocabulary=vocabulary,
        quoted=quoted,
        verbs=verbs,
        verbless_share=verbless,
        suffixes=suffixes,
        suffix_share=sum(suffixes.values()) / len(names),
        clauses=clauses,
        effect_clauses=effects,
        lead=lead,
        lead_len=lead_len,
        resp=resp,
        resp_len=resp_len,
        resp_empty=sum(1 for r in biz if not r[4].strip()) / len(biz),
        note_share=sum(1 for r in biz if _NOTE in r[3]) / len(biz),
        ftz_lead=ftz_lead,
        ftz_lead_len=ftz_lead_len,
        places={s: Counter(_clean(r[3]) for r in rows[s]) for s in ("typical", "practices")},
        scopes={
            "typical": Counter(_clean(r[5]) for r in rows["typical"]),
            "practices": Counter(_clean(r[4]) for r in rows["practices"]),
            "ftz": Counter(_clean(r[4]) for r in rows["ftz"]),
        },
        months=months,
        landed_share=deadlines.count(_LANDED) / len(deadlines),
        rows_per_item=per_item,
        star_share=sum(1 for r in biz if r[0].strip().endswith("*"))
        / sum(1 for r in biz if r[0].strip()),
        ndrc_categories=categories,
    )


# ---------------------------------------------------------------- generating measures


@dataclass
class Spec:
    """One generated measure's content, independent of the layout that prints it."""

    name: str
    points: list[list[list[str]]]  # points -> sentences -> clauses
    effect: list[list[str]]  # sentences -> clauses
    place: str
    scope: str
    lead: list[str]
    resp: list[str]
    note: bool  # 按职责分工负责 printed after the lead agencies
    deadline: str
    key: tuple[str, str, int | None] = ("", "", None)  # (doc_id, number, part) once placed


@dataclass
class Planted:
    later: tuple[str, str, int | None]
    earlier: tuple[str, str, int | None]
    name_edit: str
    kept: float  # share of the earlier measure's clauses the later one keeps


def _pick(rng: random.Random, counts: Counter):
    """A value drawn with its empirical frequency (keys sorted: deterministic)."""
    keys = sorted(counts)
    return rng.choices(keys, weights=[counts[k] for k in keys])[0]


def _sample_agencies(rng: random.Random, names: Counter, lengths: Counter) -> list[str]:
    n = min(_pick(rng, lengths), len(names))
    keys = sorted(names)
    weights = [names[k] for k in keys]
    chosen: list[str] = []
    while len(chosen) < n:
        a = rng.choices(keys, weights=weights)[0]
        if a not in chosen:
            chosen.append(a)
    return chosen


class Generator:
    """Draws measures; keeps the names it used so that no two generated measures share one."""

    def __init__(self, pools: Pools, rng: random.Random) -> None:
        self.p, self.rng = pools, rng
        self.used: set[str] = set()
        self.core_pairs: set[frozenset[str]] = set()

    def name(self) -> str:
        """Verb + three or four nouns (or a quoted term) + suffix, as real names are built.

        No two generated names share two nouns, so that only planted pairs restate a measure:
        unplanted measures may share a word (a topic) but not what makes a name distinctive.
        """
        p, rng = self.p, self.rng
        for _ in range(1000):
            core = rng.sample(p.vocabulary, rng.choice((3, 3, 4)))
            if p.quoted and rng.random() < 0.15:
                core[rng.randrange(len(core))] = rng.choice(p.quoted)
            pairs = {frozenset((a, b)) for a in core for b in core if a != b}
            if pairs & self.core_pairs:
                continue
            verb = "" if rng.random() < p.verbless_share else rng.choice(p.verbs)
            suffix = _pick(rng, p.suffixes) if rng.random() < p.suffix_share else ""
            joiner = rng.choice(("", "", "", "和", "与", "、"))
            name = verb + "".join(core[:-1]) + joiner + core[-1] + suffix
            if name not in self.used:
                self.used.add(name)
                self.core_pairs |= pairs
                return name
        raise RuntimeError("bench.generate: could not draw a new name")  # pragma: no cover

    def sentence(self, pool: list[str]) -> list[str]:
        return self.rng.sample(pool, self.rng.choice((1, 2, 2, 3, 3)))

    def points(self, n_points: int) -> list[list[list[str]]]:
        return [
            [self.sentence(self.p.clauses) for _ in range(self.rng.choice((1, 2, 2)))]
            for _ in range(max(1, n_points))
        ]

    def deadline(self, year: int) -> str:
        if self.rng.random() < self.p.landed_share:
            return _LANDED
        return f"{year + self.rng.choice((0, 0, 1))}年{_pick(self.rng, self.p.months)}月底"

    def spec(self, tpl: Template, year: int) -> Spec:
        p, rng = self.p, self.rng
        n_points = _pick(rng, tpl.point_counts)
        resp = [] if rng.random() < p.resp_empty else _sample_agencies(rng, p.resp, p.resp_len)
        lead = (
            _sample_agencies(rng, p.ftz_lead, p.ftz_lead_len)
            if tpl.short == "ftz"
            else _sample_agencies(rng, p.lead, p.lead_len)
        )
        return Spec(
            name=self.name(),
            points=self.points(n_points or rng.choice((1, 2, 3))),
            effect=[self.sentence(p.effect_clauses) for _ in range(rng.choice((1, 2)))],
            place=_pick(rng, p.places.get(tpl.short) or p.places["practices"]),
            scope=_pick(rng, p.scopes.get(tpl.short) or p.scopes["practices"]),
            lead=lead,
            resp=resp,
            note=rng.random() < p.note_share and len(lead) > 1,
            deadline=self.deadline(year),
        )

    def evolve(self, source: Spec, tpl: Template, year: int) -> tuple[Spec, str, float]:
        """A later restatement of `source`: name edited or kept, clauses changed."""
        rng = self.rng
        fresh = self.spec(tpl, year)
        name, edit = source.name, "kept"
        roll = rng.random()
        verb = next((v for v in self.p.verbs if name.startswith(v)), "")
        if roll < 0.35 and verb:
            name, edit = rng.choice([v for v in self.p.verbs if v != verb]) + name[2:], "verb"
        elif roll < 0.55:
            name, edit = "进一步" + name, "prefix"
        elif roll < 0.75:
            name, edit = name + ("改革" if not name.endswith("改革") else "试点"), "suffix"
        if name in self.used and edit != "kept":
            name, edit = source.name, "kept"
        self.used.add(name)
        total = kept = 0
        points = []
        for point in source.points:
            new_point = []
            for sentence in point:
                new_sentence = []
                for clause in sentence:
                    total += 1
                    roll = rng.random()
                    if roll < 0.12 and len(sentence) > 1:
                        continue  # dropped
                    if roll < 0.24:
                        new_sentence.append(rng.choice(self.p.clauses))  # replaced
                    else:
                        new_sentence.append(clause)
                        kept += 1
                new_point.append(new_sentence or [rng.choice(self.p.clauses)])
            points.append(new_point)
        if rng.random() < 0.6:
            points[-1].append(self.sentence(self.p.clauses))  # a new sentence added
        if len(points) > 1 and rng.random() < 0.3:
            points[0], points[1] = points[1], points[0]
        fresh.name, fresh.points = name, points
        if source.lead:
            fresh.lead = list(source.lead) if tpl.short != "ftz" else fresh.lead
        return fresh, edit, kept / total if total else 1.0


# ---------------------------------------------------------------- placing measures in documents


@dataclass
class RowPlan:
    spec: Spec
    variant: str  # numbered | cont-named | cont-anon | renumbered


@dataclass
class Item:
    number: int
    starred: bool
    rows: list[RowPlan]


@dataclass
class DocPlan:
    doc_id: str
    short: str
    batch: int  # 1-based batch of this template
    batch_order: int
    issued: date
    sections: list[tuple[str, list[Item]]]  # (title, items)

    @property
    def year(self) -> int:
        return self.issued.year

    def rows(self) -> list[RowPlan]:
        return [r for _, items in self.sections for item in items for r in item.rows]


def _cn(n: int) -> str:
    """Chinese numeral for 1..999 (第十二批, 一百零五)."""
    d = "零一二三四五六七八九"
    if n < 10:
        return d[n]
    if n < 20:
        return "十" + (d[n % 10] if n % 10 else "")
    if n < 100:
        return d[n // 10] + "十" + (d[n % 10] if n % 10 else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return d[hundreds] + "百"
    if rest < 10:
        return d[hundreds] + "百零" + d[rest]
    return d[hundreds] + "百" + ("一" if rest < 20 else "") + _cn(rest)


def _section_sizes(rng: random.Random, tpl: Template, pools: Pools) -> list[tuple[str, int]]:
    if tpl.short == "ndrc":
        base = pools.ndrc_categories
    else:
        base = [(s.title, s.items) for s in tpl.sections]
    return [(title, max(2, round(n * rng.uniform(0.8, 1.2)))) for title, n in base]


def _plan_items(
    rng: random.Random,
    gen: Generator,
    pools: Pools,
    tpl: Template,
    year: int,
    n_items: int,
    first_number: int,
) -> list[Item]:
    items = []
    for i in range(n_items):
        number = first_number + i
        if tpl.short != "bizenv":
            items.append(Item(number, False, [RowPlan(gen.spec(tpl, year), "numbered")]))
            continue
        n_rows = _pick(rng, pools.rows_per_item)
        rows = [RowPlan(gen.spec(tpl, year), "numbered")]
        for _ in range(n_rows - 1):
            variant = "cont-named" if rng.random() < 0.25 else "cont-anon"
            rows.append(RowPlan(gen.spec(tpl, year), variant))
        if n_rows > 2 and rng.random() < 0.1:  # the item's number and name printed again (68*)
            again = gen.spec(tpl, year)
            again.name = rows[0].spec.name
            rows.append(RowPlan(again, "renumbered"))
        for row in rows:
            if row.variant == "cont-anon":
                row.spec.name = rows[0].spec.name
        items.append(Item(number, rng.random() < pools.star_share, rows))
    return items


def plan_corpus(scale: int, seed: int, pools: Pools) -> tuple[list[DocPlan], list[Planted]]:
    """All documents' contents, batch by batch, with the planted evolutions between them."""
    rng = random.Random(seed)
    gen = Generator(pools, rng)
    docs: list[DocPlan] = []
    planted: list[Planted] = []
    candidates: list[list[Spec]] = []  # per document: one-row items that may be restated later
    used: set[tuple[str, str, int | None]] = set()  # measures restated or restating
    for batch in range(1, scale + 1):
        for tpl in pools.templates.values():
            index = len(docs)
            issued = BASE_DATE + timedelta(days=7 * index + rng.randrange(7))
            doc = DocPlan(f"syn{batch:03d}-{tpl.short}", tpl.short, batch, index + 1, issued, [])
            number = 1
            for title, size in _section_sizes(rng, tpl, pools):
                items = _plan_items(rng, gen, pools, tpl, doc.year, size, number)
                doc.sections.append((title, items))
                number += size
            for _, items in doc.sections:
                for item in items:
                    parts = [None] if len(item.rows) == 1 else range(1, len(item.rows) + 1)
                    for row, part in zip(item.rows, parts, strict=True):
                        row.spec.key = (doc.doc_id, str(item.number), part)
            window = [
                s
                for specs in candidates[max(0, index - PLANT_WINDOW) :]
                for s in specs
                if s.key not in used
            ]
            for _, items in doc.sections:
                for item in items:
                    if len(item.rows) != 1 or not window or rng.random() >= PLANT_RATE:
                        continue
                    source = window.pop(rng.randrange(len(window)))
                    spec, edit, kept = gen.evolve(source, tpl, doc.year)
                    spec.key = item.rows[0].spec.key
                    item.rows[0].spec = spec
                    used.update((spec.key, source.key))
                    planted.append(Planted(spec.key, source.key, edit, kept))
            candidates.append(
                [
                    item.rows[0].spec
                    for _, items in doc.sections
                    for item in items
                    if len(item.rows) == 1 and item.rows[0].spec.key not in used
                ]
            )
            docs.append(doc)
    return docs, planted


# ---------------------------------------------------------------- printing the five layouts


def _sentences(sentences: list[list[str]]) -> str:
    return "".join("，".join(clauses) + "。" for clauses in sentences)


def _practice_html(spec: Spec, rng: random.Random, full_width: bool = False) -> str:
    """`<p>(1) …</p> <p>(2) …</p>` as extraction printed it; one point is `<p>…</p>` or plain."""
    if len(spec.points) == 1:
        text = _sentences(spec.points[0])
        return f"<p>{text}</p>" if rng.random() < 0.5 else text
    space = "" if rng.random() < 0.15 else " "
    marks = ("（", "）") if full_width else ("(", ")")
    return " ".join(
        f"<p>{marks[0]}{i}{marks[1]}{space}{_sentences(p)}</p>"
        for i, p in enumerate(spec.points, 1)
    )


def _plain(spec: Spec) -> str:
    return "".join(_sentences(p) for p in spec.points)


def _letter_spaced(name: str) -> str:
    return " ".join(name)


def _render_bizenv(doc: DocPlan, tpl: Template, rng: random.Random) -> str:
    title = f"深圳市建设营商环境创新试点城市第{_cn(doc.batch)}批改革事项清单"
    lines = [f" [bookmark: _GoBack]{title}", *tpl.header, ""]
    for s_index, (section, items) in enumerate(doc.sections, 1):
        lines += [f"\t{_cn(s_index)}、{section}", ""]
        for item in items:
            for row in item.rows:
                spec = row.spec
                numbered = row.variant in ("numbered", "renumbered")
                number = f"{item.number}{'*' if item.starred else ''}" if numbered else ""
                name = spec.name if row.variant != "cont-anon" else ""
                lead = "、".join(spec.lead) + (_NOTE if spec.note else "")
                resp = "、".join(spec.resp)
                if len(spec.resp) > 1 and spec.resp[-1].startswith("各") and rng.random() < 0.2:
                    # as printed in 市司法局，各有关单位
                    resp = "、".join(spec.resp[:-1]) + "，" + spec.resp[-1]
                lines += [
                    f"\t{number}",
                    f"\t{name}",
                    f"\t{_plain(spec)}",
                    f"\t{lead}",
                    f"\t{resp}",
                    f"\t{spec.deadline}",
                    "",
                ]
    footnote = next(line for line in tpl.lines if line.startswith("注："))
    return "\n".join([*lines, "", footnote, " "])


def _render_ftz(doc: DocPlan, tpl: Template, rng: random.Random) -> str:
    lines = [
        "附件",
        "中国（广东）自由贸易试验区深圳前海",
        f"蛇口片区第{_cn(doc.batch)}批改革创新经验",
        "复制推广工作任务分工表",
        *tpl.header,
        "",
    ]
    for s_index, (section, items) in enumerate(doc.sections, 1):
        lines += [f"\t{_cn(s_index)}、{section}（{len(items)}项）", ""]
        for item in items:
            spec = item.rows[0].spec
            lines += [
                f"\t{item.number}",
                f"\t{spec.name}",
                f"\t{_plain(spec)}",
                f"\t{'、'.join(spec.lead)}",
                f"\t{spec.scope}",
                "",
            ]
    lines[-1] = " "
    return "\n".join(lines)


def _tsv_table(
    doc: DocPlan,
    header: str,
    row: Callable[[Item], str],
    rng: random.Random,
    heading: Callable[[int, str], str] | None,
    group_two: float,
    standalone: Sequence[bool] = (),
) -> list[str]:
    """Rows in groups of one or two, each group under a repeated header; section headings either
    as a row right under a header or (`standalone`, as the template prints them) as a line of
    their own, whose first row is followed by a `----` separator.
    Without `heading` the sections are not printed (the notice states them in its prose)."""
    width = header.count("\t")
    lines = [header]
    for s_index, (section, items) in enumerate(doc.sections, 1):
        alone = heading is not None and s_index <= len(standalone) and standalone[s_index - 1]
        in_group = 0
        if alone:
            lines += ["", f"{_cn(s_index)}、{section}", ""]
        elif heading is not None:
            if lines[-1] != header:
                lines += ["", header]
            lines.append(heading(s_index, section) + "\t" * width)
        elif lines[-1] != header:
            in_group = 2  # a new section of the notice continues the running groups
        for i, item in enumerate(items):
            if alone and i == 1:
                dashes = [rng.randint(2, 20) for _ in range(width + 1)]
                lines += ["\t".join("-" * d for d in dashes), "", header]
                in_group = 0
            elif in_group and (in_group >= 2 or rng.random() >= group_two):
                lines += ["", header]
                in_group = 0
            lines.append(row(item))
            in_group += 1
    return lines


def _render_practices(doc: DocPlan, tpl: Template, rng: random.Random) -> str:
    title = f"综合改革试点创新举措和经验做法（第{_cn(doc.batch)}批）"

    def row(item: Item) -> str:
        s = item.rows[0].spec
        return "\t".join([str(item.number), s.name, _practice_html(s, rng), s.place, s.scope])

    table = _tsv_table(
        doc,
        tpl.header[0],
        row,
        rng,
        lambda i, t: f"{_cn(i)}、{t}",
        0.8,
        [s.standalone for s in tpl.sections],
    )
    return "\n".join(["", "", "附件", "", title, "", *table])


def _render_typical(doc: DocPlan, tpl: Template, rng: random.Random) -> str:
    title = f"综合改革试点创新举措和典型经验（第{_cn(doc.batch)}批）"

    def row(item: Item) -> str:
        s = item.rows[0].spec
        effect = _sentences(s.effect)
        effect = f"<p>{effect}</p>" if rng.random() < 0.2 else effect
        cells = [str(item.number), s.name, _practice_html(s, rng), s.place, effect, s.scope]
        return "\t".join(cells)

    table = _tsv_table(doc, tpl.header[0], row, rng, lambda i, t: f"<b>{_cn(i)}、{t}</b>", 0.15)
    return "\n".join(["", "", "附件", "", f"## {title}", "", *table])


def _render_ndrc(doc: DocPlan, tpl: Template, rng: random.Random) -> str:
    """The notice: its prose restated with this batch's number, date and counts, then the table."""
    nth = _cn(doc.batch + 1)
    groups = [(title, [i.rows[0].spec.name for i in items]) for title, items in doc.sections]
    total = sum(len(names) for _, names in groups)
    lists = "；".join(
        f"{names[0]}、{rng.choice(names[1:])}等{len(names)}条{title}" for title, names in groups
    )
    later = [n for _, names in groups[2:] for n in names]
    first, second, third = rng.sample(later, 3)
    cut = len(third) // 2
    pool_name = rng.choice([n for _, names in groups[:2] for n in names])
    summary = (
        f"本次推广借鉴的创新举措及典型经验共{total}条，主要包括：{lists}。"
        f"其中，{first}、{second}、{third[:cut]}"
    )
    follow = (
        f"{third[cut:]}等举措拟在符合条件的特定范围内先行推广，{pool_name}拟在具备条件的"
        "北京、上海、浙江、广东、陕西、青岛、宁波七省（市）先行推广。"
    )
    preamble = list(tpl.lines[: tpl.lines.index(tpl.header[0])])
    at = next(i for i, line in enumerate(preamble) if line.startswith("本次推广借鉴"))
    after = next(i for i in range(at + 1, len(preamble)) if preamble[i].strip())
    preamble[at], preamble[after] = summary, follow  # the paragraph breaks inside a name
    out = []
    for line in preamble:
        line = line.replace("关于再次推广借鉴", f"关于第{nth}次推广借鉴")
        line = re.sub(
            r"发改体改〔\d{4}〕\d+号", f"发改体改〔{doc.year}〕{1000 + doc.batch_order}号", line
        )
        line = re.sub(r"在\d{4}年推广借鉴", f"在{doc.year - 1}年推广借鉴", line)
        line = line.replace("（第二批）", f"（第{nth}批）")
        line = re.sub(
            r"^\d{4}年\d{1,2}月\d{1,2}日$",
            f"{doc.year}年{doc.issued.month}月{doc.issued.day}日",
            line,
        )
        out.append(line)

    items = [i for _, its in doc.sections for i in its]
    plain = [i.number for i in items if re.fullmatch(r"[\u4e00-\u9fff]+", i.rows[0].spec.name)]
    spaced = set(rng.sample(plain, min(len(plain), max(1, round(0.1 * len(items))))))

    def row(item: Item) -> str:
        s = item.rows[0].spec
        name = _letter_spaced(s.name) if item.number in spaced else s.name
        effect = _sentences(s.effect)
        return "\t".join(
            [str(item.number), name, _practice_html(s, rng, rng.random() < 0.1), f"<p>{effect}</p>"]
        )

    return "\n".join([*out, *_tsv_table(doc, tpl.header[0], row, rng, None, 0.6)])


RENDER = {
    "bizenv": _render_bizenv,
    "ndrc": _render_ndrc,
    "ftz": _render_ftz,
    "typical": _render_typical,
    "practices": _render_practices,
}


def _title(doc: DocPlan) -> str:
    nth = _cn(doc.batch)
    return {
        "bizenv": f"深圳市建设营商环境创新试点城市第{nth}批改革事项清单",
        "ndrc": f"国家发展改革委等部门关于第{_cn(doc.batch + 1)}次推广借鉴深圳综合改革试点创新举措"
        "和典型经验的通知",
        "ftz": f"中国（广东）自由贸易试验区深圳前海蛇口片区第{nth}批改革创新经验"
        "复制推广工作任务分工表",
        "typical": f"综合改革试点创新举措和典型经验（第{nth}批）",
        "practices": f"综合改革试点创新举措和经验做法（第{nth}批）",
    }[doc.short]


def _manifest_entry(doc: DocPlan, kind: str, seed: int) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": doc.doc_id,
        "file": f"{doc.doc_id}.txt",
        "title": _title(doc),
        "kind": kind,
        "batch_order": doc.batch_order,
        "jurisdiction": "shenzhen",
    }
    why = f"Synthetic batch {doc.batch} generated by bench/generate.py (seed {seed})"
    if doc.short in ("bizenv", "typical"):
        entry |= {
            "date": doc.issued.strftime("%Y-%m"),  # inferred: a month, never an invented day
            "date_status": "inferred",
            "date_evidence": f"{why}; dated by its place in the generated sequence.",
        }
    elif doc.short != "ndrc":
        entry |= {"date_status": "unknown", "date_evidence": f"{why}; it states no date."}
    return entry


def _toml_value(value: object) -> str:
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


@dataclass
class Corpus:
    """What was written: the documents with their row counts, and the planted pairs."""

    out_dir: Path
    rows: dict[str, int]  # doc_id -> table rows written (each row is one measure)
    planted: list[Planted]

    @property
    def measures(self) -> int:
        return sum(self.rows.values())


def generate(out_dir: Path, scale: int, seed: int, data_dir: Path = DATA_DIR) -> Corpus:
    """Write out_dir/manifest.toml, out_dir/raw/*.txt and out_dir/planted_pairs.csv.

    The reference tables of `data_dir` (agencies.csv, places.csv, columns.toml, …) are copied
    beside them, so out_dir is a data folder the normal build reads (REFORMKG_DATA=out_dir).
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    pools = read_pools(Path(data_dir))
    docs, planted = plan_corpus(scale, seed, pools)
    out_dir = Path(out_dir)
    raw = out_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for old in raw.glob("syn*.txt"):
        old.unlink()
    render_rng = random.Random(f"{seed}-render")
    manifest = [
        "# Synthetic corpus written by bench/generate.py "
        f"(scale {scale}, seed {seed}): {len(docs)} documents.",
        "# Fields as in data/manifest.toml. Regenerate, do not edit.",
    ]
    rows: dict[str, int] = {}
    for doc in docs:
        tpl = pools.templates[doc.short]
        text = RENDER[doc.short](doc, tpl, render_rng)
        (raw / f"{doc.doc_id}.txt").write_text(text, encoding="utf-8")
        rows[doc.doc_id] = len(doc.rows())
        manifest += ["", "[[document]]"]
        entry = _manifest_entry(doc, tpl.kind, seed)
        manifest += [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
    (out_dir / "manifest.toml").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    write_planted(out_dir / "planted_pairs.csv", planted)
    for ref in sorted(Path(data_dir).iterdir()):  # the reference tables the build resolves with
        if ref.is_file() and ref.name != "manifest.toml":
            shutil.copyfile(ref, out_dir / ref.name)
    return Corpus(out_dir, rows, planted)


PLANTED_FIELDS = [
    "later_doc",
    "later_number",
    "later_part",
    "earlier_doc",
    "earlier_number",
    "earlier_part",
    "relation",
    "name_edit",
    "kept_clauses",
]


def write_planted(path: Path, planted: Sequence[Planted]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(PLANTED_FIELDS)
    for p in planted:
        writer.writerow(
            [
                p.later[0],
                p.later[1],
                p.later[2] or "",
                p.earlier[0],
                p.earlier[1],
                p.earlier[2] or "",
                "evolution",
                p.name_edit,
                f"{p.kept:.2f}",
            ]
        )
    path.write_text(buf.getvalue(), encoding="utf-8")


Key = tuple[str, str, int | None]


def read_planted(path: Path) -> list[tuple[Key, Key]]:
    """(later key, earlier key) of each planted pair; keys are (doc_id, number, part)."""

    def key(doc: str, number: str, part: str) -> tuple[str, str, int | None]:
        return doc, number, int(part) if part else None

    with path.open(encoding="utf-8", newline="") as fh:
        return [
            (
                key(r["later_doc"], r["later_number"], r["later_part"]),
                key(r["earlier_doc"], r["earlier_number"], r["earlier_part"]),
            )
            for r in csv.DictReader(fh)
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--scale", type=int, default=1, help="N: the corpus is N x the five documents"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (created)")
    args = parser.parse_args(argv)
    corpus = generate(args.out, args.scale, args.seed)
    print(
        f"{len(corpus.rows)} documents, {corpus.measures} measures, "
        f"{len(corpus.planted)} planted evolutions -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

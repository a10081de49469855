"""The build report: what was built, what was left out, and why — for a reviewer to read.

`report.json` is for tools (and the tests); `report.md` is the same content for people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

from reformkg.etl.curation import Curated
from reformkg.etl.lineage import Lineage
from reformkg.etl.link import Link, MeasureKey
from reformkg.etl.normalise import Resolver
from reformkg.etl.records import ParsedDocument
from reformkg.etl.themes import ThemeHit


class SectionEntry(TypedDict):
    index: int
    title: str
    declared: int | None
    inferred: bool
    measures: int


class UnparsedEntry(TypedDict):
    line: int
    text: str
    reason: str


class WarningEntry(TypedDict):
    line: int
    message: str


class DocumentEntry(TypedDict):
    id: str
    file: str
    title: str
    kind: str
    batch_order: int
    layout: str
    date: str | None
    date_status: str
    date_evidence: str
    document_number: str
    issuers: list[str]
    star_meaning: str
    previous_batch_text: str
    non_blank_lines: int
    measures: int
    items: int
    multi_row_items: int
    sections: list[SectionEntry]
    layout_lines: dict[str, int]
    metadata_lines: dict[str, str]
    flags: dict[str, int]
    unparsed: list[UnparsedEntry]
    warnings: list[WarningEntry]


class Totals(TypedDict):
    documents: int
    measures: int
    items: int
    agencies: int
    unparsed_lines: int
    warnings: int
    links: int


class StaleReview(TypedDict):
    line: int
    source: str
    target: str
    decision: str
    reason: str


class ReviewEntry(TypedDict):
    """What the build did with data/link-reviews.csv."""

    applied: dict[str, int]  # decision -> reviews applied
    superseded: int  # overridden by a later row about the same pair
    stale: list[StaleReview]  # reviews that match nothing in this build
    links_by_status: dict[str, int]
    lineages: int
    measures_in_lineages: int


class Report(TypedDict):
    """report.json; the build adds `timings` after writing it."""

    complete: bool
    skipped_documents: list[str]
    documents: list[DocumentEntry]
    totals: Totals
    agencies_by_level: dict[str, int]
    busiest_agencies: list[list[str | int]]  # [agency, measures], the busiest first
    agencies_not_in_alias_table: list[str]
    measures_without_theme: list[str]
    theme_examples: int  # labelled examples the theme classifier learned from (0: term rule)
    links_by_relation: dict[str, int]
    review: NotRequired[ReviewEntry]
    timings: NotRequired[dict[str, float]]


def make_report(
    docs: Sequence[ParsedDocument],
    themes: Mapping[MeasureKey, Sequence[ThemeHit]],
    links: Sequence[Link],
    skipped: list[str],
    resolver: Resolver,
    theme_examples: int = 0,
) -> Report:
    entries: list[DocumentEntry] = []
    agencies: Counter[str] = Counter()
    unresolved: Counter[str] = Counter()
    levels: dict[str, str] = {}
    for doc in docs:
        m = doc.meta
        for issuer in m.issuers:
            levels[issuer] = (
                resolver.agencies[issuer].level if issuer in resolver.agencies else "national"
            )
        for x in doc.measures:
            for ref in (*x.lead, *x.responsible):
                agencies[ref.canonical] += 1
                levels[ref.canonical] = ref.level
                if ref.canonical not in resolver.agencies and ref.level != "collective":
                    unresolved[ref.canonical] += 1
        per_section = Counter(x.section for x in doc.measures)
        entries.append(
            {
                "id": m.doc_id,
                "file": m.file,
                "title": m.title,
                "kind": m.kind,
                "batch_order": m.batch_order,
                "layout": m.layout,
                "date": m.date,
                "date_status": m.date_status,
                "date_evidence": m.date_evidence,
                "document_number": m.document_number,
                "issuers": m.issuers,
                "star_meaning": m.star_meaning,
                "previous_batch_text": m.previous_batch_text,
                "non_blank_lines": doc.line_count,
                "measures": len(doc.measures),
                "items": len({x.number for x in doc.measures}),
                "multi_row_items": len({x.number for x in doc.measures if x.part is not None}),
                "sections": [
                    {
                        "index": s.index,
                        "title": s.title,
                        "declared": s.declared_count,
                        "inferred": s.inferred,
                        "measures": per_section.get(s.index, 0),
                    }
                    for s in doc.sections
                ],
                "layout_lines": dict(sorted(doc.layout_lines.items())),
                "metadata_lines": {str(k): v for k, v in sorted(doc.meta.metadata_lines.items())},
                "flags": dict(sorted(Counter(f for x in doc.measures for f in x.flags).items())),
                "unparsed": [
                    {"line": u.line, "text": u.text, "reason": u.reason} for u in doc.unparsed
                ],
                "warnings": [{"line": w.line, "message": w.message} for w in doc.warnings],
            }
        )
    no_theme = [
        f"{k[0]}:{k[1]}" + (f"-{k[2]}" if k[2] else "")
        for k, hits in sorted(themes.items(), key=lambda kv: str(kv[0]))
        if not hits
    ]
    return {
        "complete": not skipped,
        "skipped_documents": skipped,
        "documents": entries,
        "totals": {
            "documents": len(entries),
            "measures": sum(d["measures"] for d in entries),
            "items": sum(d["items"] for d in entries),
            "agencies": len(levels),
            "unparsed_lines": sum(len(d["unparsed"]) for d in entries),
            "warnings": sum(len(d["warnings"]) for d in entries),
            "links": len(links),
        },
        "agencies_by_level": dict(sorted(Counter(levels.values()).items())),
        "busiest_agencies": [
            [a, n] for a, n in sorted(agencies.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
        ],
        "agencies_not_in_alias_table": sorted(unresolved),
        "measures_without_theme": no_theme,
        "theme_examples": theme_examples,
        "links_by_relation": dict(sorted(Counter(x.relation for x in links).items())),
    }


def add_review(report: Report, curated: Curated, found: Sequence[Lineage]) -> None:
    """The review file's effect, and every review that no longer matches (to fix or drop)."""
    report["review"] = {
        "applied": dict(sorted(Counter(a.review.decision for a in curated.applied).items())),
        "superseded": curated.superseded,
        "stale": [
            {
                "line": s.review.line,
                "source": s.review.source,
                "target": s.review.target,
                "decision": s.review.decision,
                "reason": s.reason,
            }
            for s in curated.stale
        ],
        "links_by_status": dict(sorted(Counter(x.status for x in curated.links).items())),
        "lineages": len(found),
        "measures_in_lineages": sum(len(x.versions) for x in found),
    }


def report_markdown(report: Report) -> str:
    t = report["totals"]
    out = ["# Build report", ""]
    if not report["complete"]:
        out += ["**PARTIAL BUILD** — documents left out:", ""]
        out += [f"- {s}" for s in report["skipped_documents"]] + [""]
    out += [
        f"{t['documents']} documents, {t['measures']} measures in {t['items']} items, "
        f"{t['agencies']} agencies, {t['links']} cross-batch links, "
        f"{t['unparsed_lines']} unparsed lines, {t['warnings']} warnings.",
        "",
    ]
    out += [
        "| document | layout | date | measures | items | sections | unparsed |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in report["documents"]:
        date = f"{d['date'] or 'unknown'} ({d['date_status']})"
        out.append(
            f"| {d['id']} | {d['layout']} | {date} | {d['measures']} | {d['items']} | "
            f"{len(d['sections'])} | {len(d['unparsed'])} |"
        )
    for d in report["documents"]:
        out += ["", f"## {d['id']} — {d['title']}", ""]
        if d["document_number"]:
            out.append(f"- document number: {d['document_number']}")
        if d["issuers"]:
            out.append(f"- issued by: {'、'.join(d['issuers'])}")
        if d["date_evidence"]:
            out.append(f"- date: {d['date'] or 'unknown'} — {d['date_evidence']}")
        if d["star_meaning"]:
            out.append(f"- `*` means: {d['star_meaning']}")
        out.append(f"- lines: {d['non_blank_lines']} non-blank; layout {d['layout_lines']}")
        for s in d["sections"]:
            declared = f", declared {s['declared']}" if s["declared"] is not None else ""
            inferred = " (inferred from prose)" if s["inferred"] else ""
            out.append(f"  - {s['title']}: {s['measures']} measures{declared}{inferred}")
        for u in d["unparsed"]:
            out.append(f"- UNPARSED line {u['line']}: {u['reason']}: `{u['text'][:80]}`")
        for w in d["warnings"]:
            out.append(f"- warning line {w['line']}: {w['message']}")
    out += ["", "## Agencies", "", f"By level: {report['agencies_by_level']}", ""]
    out += [f"- {a}: {n}" for a, n in report["busiest_agencies"]]
    if report["agencies_not_in_alias_table"]:
        out += [
            "",
            "Not in data/agencies.csv (canonical name = printed name expanded to the "
            "jurisdiction, e.g. 市财政局 → 深圳市财政局; add a row to merge it with another name): "
            + "、".join(report["agencies_not_in_alias_table"]),
        ]
    learned = report["theme_examples"]
    out += [
        "",
        f"Themes: decided by a model learned from {learned} labelled examples "
        "(data/theme_examples.csv)"
        if learned
        else "Themes: the term rule alone (no labelled examples in data/theme_examples.csv)",
    ]
    review = report.get("review")
    if review:
        out += [
            "",
            "## Links and curator review",
            "",
            f"Links by status: {review['links_by_status']}; reviews applied: "
            f"{review['applied']}; superseded by a later row: {review['superseded']}; "
            f"{review['lineages']} reform lineages of {review['measures_in_lineages']} measures.",
        ]
        if review["stale"]:
            out += ["", "Stale reviews (data/link-reviews.csv; fix or remove them):", ""]
            out += [
                f"- line {s['line']}: {s['decision']} {s['source']} ↔ {s['target']}: {s['reason']}"
                for s in review["stale"]
            ]
    out += ["", f"Measures without a theme: {len(report['measures_without_theme'])}"]
    out += [f"- {k}" for k in report["measures_without_theme"]]
    return "\n".join(out) + "\n"

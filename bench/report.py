"""docs/performance.md from the benchmark's results: figures, targets met or missed, and why."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from bench import report_serve
from reformkg.graph.pipeline.build import STAGES

# Issue 16's build targets (issue 7's were 5 s, 5 min and 4 GB), here and in bench.bench_build.
BUNDLE_SECONDS = 3.0  # five documents
BUNDLE_LOOPS = 35.0  # … in at most 35 calibration loops (machine-independent)
SCALE_SECONDS = 120.0  # 100x
SCALE_MB = 3072.0  # 100x peak
LINK_SECONDS = 60.0
GROWTH = 12.0  # 10x -> 100x, per stage
NOISE_SECONDS = 0.05  # stages this short at 10x are timer noise: their growth is not judged

METHOD = """\
## How the figures are measured

- **Corpus.** `python -m bench.generate --scale N --seed S --out DIR` writes N batches of the
  five bundled layouts (5·N documents) with their manifest entries and the reference tables, so
  the normal build reads DIR as its data folder. Rows are recombined from the real rows (see the
  module docstring of `bench/generate.py`); every generated row parses (zero unparsed lines is
  tested). About 8 % of the one-row items of each later batch restate a measure of one of the
  15 preceding documents with edits; those true pairs are in `DIR/planted_pairs.csv`.
- **Build.** Each corpus is built by `reformkg.graph.pipeline.build.build` in a fresh Python process
  (`bench/probe.py`). Seconds per stage are the build's own timings. Peak memory is the
  resident set size (RSS) sampled every 5 ms by a thread, attributed to the stage running at
  the time (the build's `progress(stage, "start"/"end")` callbacks mark the boundaries); the
  whole-build peak is checked against the kernel's exact high-water mark (`ru_maxrss`).
  RSS rather than tracemalloc because tracemalloc sees only Python's allocator — not
  pyoxigraph (Rust) or numpy/scipy (C) — and slows every allocation, which would distort the
  timings measured beside it. A build that passes the time or memory limit is stopped and
  reported with the stage it reached. The five documents are built twice and the figure is
  the second build's, which reads jieba's dictionary and the texts it cut from the cache
  folder beside the build folder (`build` → `build.cache`), as a user's rebuild does; the
  first build's, with an empty cache folder, is given beside it. A synthetic corpus is built
  as a new one: the dictionary read from the cache folder, every text cut.
- **Named queries.** Every query of `graph.named_queries`, with its declared defaults: over
  HTTP (`GET /queries/{name}`, uvicorn on 127.0.0.1, one warm client; the untimed first
  request checks the answer is 200; the endpoint queries the asserted graphs), in process on
  the pyoxigraph store of `dataset.nq` (`run_named(..., inference=True)`: the union of the
  asserted and inferred graphs), and on rdflib's
  in-memory `Dataset` of the same file (union default graph, in a separate process). Each is
  run up to 20 times or for 10 s, at least 3 times unless a single run takes longer than 10 s.
  p50/p95 are nearest-rank percentiles of the measured runs.
- **Throughput.** 8 concurrent HTTP clients (threads, one connection each) cycle through the
  named queries for 20 s (`--throughput-seconds`), once the server has warmed its views (the
  "views warm" column: a background computation at start that takes a core for tens of
  seconds at 100×); requests per second completed with status 200. Virtuoso is measured the
  same way.
- **Views.** Headless Debian chromium (Playwright, `executable_path=/usr/bin/chromium`), a
  fresh browser context per run (cold cache): milliseconds from navigation start until the page
  sets `window.reformkgReady = true` (an init script records `performance.now()` at that
  moment), median of 3 runs.
- **Links.** From the built dataset (SPARQL over `rk:MeasureLink`), not from the linker's
  return value. Recall: planted pairs joined by a same-reform or evolution link (either
  direction). Precision: share of same-reform and evolution links that are planted pairs.
  "related" links are counted but not judged: they claim a shared topic, which unplanted
  measures drawn from one vocabulary may truly have.
- **Noise.** The machine is shared (2 cores; other test runs may overlap), so single figures
  can vary by tens of percent; compare orders of magnitude and growth, not decimals.
"""


def _labels(results: dict[str, dict]) -> list[str]:
    scales = sorted((k for k in results if k.endswith("x")), key=lambda k: int(k[:-1]))
    return (["bundle"] if "bundle" in results else []) + scales


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


def _secs(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3f} s" if v < 1 else f"{v:.1f} s" if v < 100 else f"{v:.0f} s"


def _ms(fig: dict | None) -> str:
    if not fig:
        return "–"
    if "error" in fig:
        return f"error: {fig['error']}"
    runs = f" (n={fig['n']})" if fig.get("n", 99) < 5 else ""
    return f"{fig['p50_ms']:.1f} / {fig['p95_ms']:.1f}{runs}"


def _stage(build: dict, stage: str) -> dict:
    return build.get("stages", {}).get(stage) or {}


def _build_cell(build: dict, stage: str) -> str:
    fig = _stage(build, stage)
    if not fig:
        return "not reached" if "stopped" in build else "–"
    if fig.get("seconds") is None:
        return f"stopped here ({fig.get('peak_mb', 0):.0f} MB)"
    return f"{_secs(fig['seconds'])} · {fig.get('peak_mb', 0):.0f} MB"


def _dominant(build: dict) -> str:
    stages = [(s, (_stage(build, s).get("seconds") or 0)) for s in STAGES]
    total = sum(t for _, t in stages) or 1
    top = sorted(stages, key=lambda x: -x[1])[:2]
    return ", ".join(f"{s} {t / total:.0%}" for s, t in top if t)


def _over(figure: float, limit: float, unit: str, digits: int = 2) -> str:
    """By how much a figure passes its limit: "0.15 s over (+5.0 %)"."""
    return f"{figure - limit:.{digits}f}{unit} over (+{figure / limit - 1:.1%})"


def targets(results: dict[str, dict], loop_ms: float | None = None) -> list[list[str]]:
    """One row per build target (issue 16's, which tightened issue 7's): figure, met or missed,
    and the reason where missed. `loop_ms` is the calibration loop of the same run, the
    yardstick of the five documents' machine-independent target."""
    rows = []
    bundle = results.get("bundle", {}).get("build", {})
    big = results.get("100x", {}).get("build")
    mid = results.get("10x", {}).get("build")

    def status(ok: bool | None) -> str:
        return "not measured" if ok is None else "met" if ok else "**missed**"

    total = bundle.get("total_seconds")
    rows.append(
        [
            "whole build of the 5 documents ≤ 3 s",
            _secs(total),
            status(None if total is None else total <= BUNDLE_SECONDS),
            ""
            if total is None or total <= BUNDLE_SECONDS
            else f"{_over(total, BUNDLE_SECONDS, ' s')}; largest stages: {_dominant(bundle)}",
        ]
    )
    loops = None if total is None or not loop_ms else total * 1000 / loop_ms
    first = results.get("bundle", {}).get("first_build", {}).get("total_seconds")
    why = []
    if loops is not None and loops > BUNDLE_LOOPS:
        why.append(
            f"{_over(loops, BUNDLE_LOOPS, ' loops', 1)}; largest stages: {_dominant(bundle)}"
        )
    if first and loop_ms:
        why.append(
            f"first build, empty cache folder: {_secs(first)} ({first * 1000 / loop_ms:.0f}×)"
        )
    rows.append(
        [
            "… and ≤ 35 × the calibration loop",
            "–" if loops is None else f"{loops:.0f}× ({_secs(total)} / {loop_ms:.1f} ms)",
            status(None if loops is None else loops <= BUNDLE_LOOPS),
            "; ".join(why),
        ]
    )
    if big is None:
        for name in (
            "100×: whole build ≤ 120 s",
            "100×: peak memory ≤ 3 GB",
            "100×: linking < 60 s",
        ):
            rows.append([name, "–", "not measured", "100× was not run"])
    elif "stopped" in big:
        reached = big.get("running") or next(
            (s for s in reversed(STAGES) if _stage(big, s)), "start"
        )
        why = f"build {big['stopped']} in stage {reached}"
        rows.append(["100×: whole build ≤ 120 s", "> limit", "**missed**", why])
        rows.append(
            [
                "100×: peak memory ≤ 3 GB",
                f"≥ {big.get('peak_mb', 0):.0f} MB",
                status(False) if big.get("peak_mb", 0) > SCALE_MB else "not measured",
                why,
            ]
        )
        link = _stage(big, "link").get("seconds")
        rows.append(
            [
                "100×: linking < 60 s",
                _secs(link),
                status(None if link is None else link < LINK_SECONDS),
                "",
            ]
        )
    else:
        t, mb, link = big["total_seconds"], big["peak_mb"], _stage(big, "link").get("seconds")
        rows.append(
            [
                "100×: whole build ≤ 120 s",
                _secs(t),
                status(t <= SCALE_SECONDS),
                "; ".join(
                    ([] if t <= SCALE_SECONDS else [f"{_over(t, SCALE_SECONDS, ' s', 1)}"])
                    + ([] if t <= SCALE_SECONDS else [f"largest stages: {_dominant(big)}"])
                    + ([f"{t * 1000 / loop_ms:.0f} calibration loops"] if loop_ms else [])
                ),
            ]
        )
        peak_stage = max(STAGES, key=lambda s: _stage(big, s).get("peak_mb", 0))
        rows.append(
            [
                "100×: peak memory ≤ 3 GB",
                f"{mb:.0f} MB",
                status(mb <= SCALE_MB),
                "" if mb <= SCALE_MB else f"peak in stage {peak_stage}",
            ]
        )
        rows.append(
            [
                "100×: linking < 60 s",
                _secs(link),
                status(None if link is None else link < LINK_SECONDS),
                "",
            ]
        )
    if big and mid and "stopped" not in big and "stopped" not in mid:
        over, why = [], []
        grew = big.get("measures", 0) / mid["measures"] if mid.get("measures") else None
        for s in STAGES:
            a, b = _stage(mid, s).get("seconds"), _stage(big, s).get("seconds")
            if a and b and a >= NOISE_SECONDS and b / a > GROWTH:
                over.append(f"{s} {b / a:.1f}×")
                why.append(
                    f"{s} {_over(b / a, GROWTH, '×')}"
                    + (f": its time per measure grew {b / a / grew:.2f}×" if grew else "")
                )
        rows.append(
            [
                "10×→100×: each stage ≤ 12× time",
                ", ".join(over) or "all ≤ 12×",
                status(not over),
                "; ".join(why) + (f" (measures grew {grew:.1f}×)" if why and grew else ""),
            ]
        )
    else:
        rows.append(
            [
                "10×→100×: each stage ≤ 12× time",
                "–",
                "not measured",
                "needs complete 10× and 100× builds",
            ]
        )
    return rows


def render(results: dict[str, dict], info: dict, opts: object = None) -> str:
    labels = _labels(results)
    lines = [
        "# Performance",
        "",
        "Written by `python3 dev.py bench` (bench/run.py); figures of the last run of each scale.",
        "Regenerate: `python3 dev.py bench --scales 1,10,100` (CI runs `--scales 1`).",
        "",
        f"Machine: {info['cpu']}, {info['memory_gb']} GB RAM; {info['platform']}; "
        f"Python {info['python']}; "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items())
        + ".",
        "",
        "## Targets",
        "",
    ]
    # the loop measured with the builds (saved with them), not a later --render-only run's
    measured_with = results.get("bundle", {}).get("machine") or info
    calibration = [c for c in measured_with.get("calibration_ms") or [] if c]
    loop_ms = statistics.median(calibration) if calibration else None
    lines += _table(["target", "figure", "status", "reason"], targets(results, loop_ms))
    lines += report_serve.sections(results, info)
    lines += ["## Corpora", ""]
    rows = []
    for label in labels:
        r = results[label]
        b, m = r.get("build", {}), r.get("machine", info)
        rows.append(
            [
                label,
                str(b.get("documents", r.get("documents", "–"))),
                str(b.get("measures", r.get("measures_written", "–"))),
                str(b.get("unparsed", "–")),
                str(r.get("planted", "–")),
                str(r.get("quads", "–")),
                _secs(r.get("generate_seconds")),
                m["date"],
                m["commit"],
                m.get("code", "–"),
            ]
        )
    lines += _table(
        [
            "corpus",
            "documents",
            "measures",
            "unparsed lines",
            "planted pairs",
            "quads (asserted + inferred)",
            "generation",
            "measured",
            "commit",
            "code digest",
        ],
        rows,
    )
    lines += ["## Build: seconds · peak resident MB per stage", ""]
    growth = "10x" in results and "100x" in results
    rows = []
    for stage in (*STAGES, "total"):
        row = [stage]
        for label in labels:
            b = results[label].get("build", {})
            if stage == "total":
                row.append(
                    f"{_secs(b.get('total_seconds'))} · {b.get('peak_mb', 0):.0f} MB"
                    if "total_seconds" in b
                    else f"stopped: {b.get('stopped', '–')}"
                )
            else:
                row.append(_build_cell(b, stage))
        if growth:
            key = "total_seconds"
            a = (
                results["10x"]["build"].get(key)
                if stage == "total"
                else _stage(results["10x"]["build"], stage).get("seconds")
            )
            b2 = (
                results["100x"]["build"].get(key)
                if stage == "total"
                else _stage(results["100x"]["build"], stage).get("seconds")
            )
            row.append(f"{b2 / a:.1f}×" if a and b2 else "–")
        rows.append(row)
    lines += _table(["stage", *labels, *(["10×→100× time"] if growth else [])], rows)
    lines += ["## Links on the planted pairs", ""]
    rows = []
    for label in labels:
        lk = results[label].get("links")
        if not lk:
            continue
        links = lk["links"]
        rows.append(
            [
                label,
                str(lk["planted"]),
                f"{lk['recall']:.3f}" if lk["recall"] is not None else "–",
                f"{lk['recall_any']:.3f}" if lk["recall_any"] is not None else "–",
                f"{lk['precision']:.3f}" if lk["precision"] is not None else "–",
                " / ".join(str(links.get(k, 0)) for k in ("SameReform", "Evolution", "Related")),
            ]
        )
    lines += _table(
        [
            "corpus",
            "planted",
            "recall (same/evolution)",
            "recall (any link)",
            "precision (same/evolution)",
            "links same / evolution / related",
        ],
        rows,
    )
    names = sorted(
        {q for label in labels for q in results[label].get("http", {})}
        | {q for label in labels for q in results[label].get("store", {})}
        | {q for label in labels for q in results[label].get("rdflib", {}).get("queries", {})}
    )
    lines += [
        "## Named queries: p50 / p95 ms",
        "",
        "HTTP: `GET /queries/{name}` on uvicorn (the endpoint's default dataset: the "
        "asserted graphs). store: `run_named(..., inference=True)` in process on "
        "`reformkg.graph.query.store.open_store` (dataset.nq: the union of asserted + inferred, as rdflib). "
        "rdflib: rdflib's in-memory Dataset over dataset.nq. (n=k) marks a figure resting on fewer than 5 runs.",
        "",
    ]
    if names:
        for label in labels:
            res = results[label]
            if not any(k in res for k in ("http", "store", "rdflib")):
                continue
            rd = res.get("rdflib", {})
            rows = [
                [
                    q,
                    _ms(res.get("http", {}).get(q)),
                    _ms(res.get("store", {}).get(q)),
                    _ms(rd.get("queries", {}).get(q))
                    if "queries" in rd
                    else f"not run: {rd.get('stopped', '–')}",
                ]
                for q in names
            ]
            lines += [f"### {label}", ""]
            lines += _table(["query", "HTTP", "store", "rdflib"], rows)
        loads = [
            f"{lb}: {_secs(results[lb]['rdflib']['load_seconds'])}, "
            f"{results[lb]['rdflib']['peak_mb']:.0f} MB"
            for lb in labels
            if "load_seconds" in results[lb].get("rdflib", {})
        ]
        if loads:
            lines += [
                "rdflib load of dataset.nq (time, resident MB): " + "; ".join(loads) + ".",
                "",
            ]
    else:
        lines += ["No named query was available to time.", ""]
    lines += ["## Throughput: 8 concurrent clients over HTTP", ""]
    rows = []
    for label in labels:
        tp = results[label].get("throughput")
        if tp and "rps" in tp:
            kinds = ", ".join(f"{k}×{v}" for k, v in tp.get("error_kinds", {}).items())
            rows.append(
                [
                    label,
                    f"{tp['rps']}",
                    str(tp["requests"]),
                    f"{tp['errors']}" + (f" ({kinds})" if kinds else ""),
                    f"{tp.get('p50_ms', 0):.1f} / {tp.get('p95_ms', 0):.1f}",
                    _secs(results[label].get("server_ready_seconds")),
                    f"{results[label].get('server_rss_mb', 0):.0f} MB",
                ]
            )
        elif tp:
            rows.append([label, tp.get("error", "–"), "", "", "", "", ""])
    lines += _table(
        [
            "corpus",
            "requests/s",
            "requests",
            "errors",
            "p50 / p95 ms under load",
            "first answer",
            "server RSS",
        ],
        rows,
    )
    lines += ["## Views: ms from navigation start until interactive (window.reformkgReady)", ""]
    views = sorted({v for lb in labels for v in results[lb].get("views", {}) if v != "_browser"})
    rows = []
    for v in views:
        row = [v]
        for label in labels:
            fig = results[label].get("views", {}).get(v)
            row.append(
                "–"
                if not fig
                else f"error: {fig['error']}"
                if "error" in fig
                else f"{fig['median_ms']:.0f} (max {fig['max_ms']:.0f})"
            )
        rows.append(row)
    if rows:
        lines += _table(["view", *labels], rows)
    else:
        lines += ["Views were not measured in this run (`--skip-views`).", ""]
    lines += [METHOD]
    return "\n".join(lines)

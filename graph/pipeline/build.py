"""Build time: the whole build, manifest + raw text → records → RDF → derived shortcuts →
validation → reasoning → the dataset's description → files.

Stages run in a fixed order and are timed (`BuildResult.timings`); `progress(stage, event)`
is called at each stage's start and end so the CLI can show progress and the benchmark can
sample memory per stage. A document that cannot be read stops the build with an InputError
naming the file and line, unless `skip_bad=True`: then it is left out, listed in the report,
and the report says the build is partial. Nothing is ever written for a failed build, and the
previous build stays whole until the new one, written beside it and sealed with its manifest,
is swapped in (reformkg.graph.pipeline.publish).
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from reformkg.build_files import TIMINGS
from reformkg.errors import InputError
from reformkg.etl.curation import Curated
from reformkg.etl.dataset import to_quads
from reformkg.etl.documents import parse_all
from reformkg.etl.lineage import Lineage
from reformkg.etl.link import Link, MeasureKey
from reformkg.etl.normalise import load_resolver
from reformkg.etl.records import ParsedDocument
from reformkg.etl.themes import ThemeHit
from reformkg.graph.pipeline import report as report_mod
from reformkg.graph.pipeline import stages
from reformkg.graph.pipeline.publish import check_target, staged
from reformkg.graph.pipeline.store import write_store
from reformkg.graph.pipeline.write import write
from reformkg.settings import Settings

Progress = Callable[[str, str], None]
STAGES = (
    "parse",
    "normalise",
    "themes",
    "link",
    "review",
    "rdf",
    "derive",
    "validate",
    "reason",
    "describe",
    "serialise",
    "store",
)

_Args = ParamSpec("_Args")
_Out = TypeVar("_Out")


@dataclass
class BuildResult:
    docs: list[ParsedDocument]
    timings: dict[str, float]
    report: report_mod.Report
    skipped: list[str] = field(default_factory=list)  # "file:line: message" of documents left out
    links: list[Link] = field(default_factory=list)  # after curator review
    themes: dict[MeasureKey, list[ThemeHit]] = field(default_factory=dict)
    curated: Curated | None = None
    lineages: list[Lineage] = field(default_factory=list)


def build(
    settings: Settings, progress: Progress | None = None, *, skip_bad: bool = False
) -> BuildResult:
    """Run every stage and write the dataset, the report and the ontology page to build_dir."""

    progress = progress or (lambda stage, event: None)
    timings: dict[str, float] = {}
    with _collect_rarely():
        return _build(settings, progress, timings, skip_bad)


@contextmanager
def _collect_rarely() -> Iterator[None]:
    """Python's cycle collector walks every young container object each 700 allocations and,
    now and then, every live one: the build allocates millions of tuples and terms that live
    until it ends, which made the collector a large share of each stage, growing with the
    data faster than the data (each full pass walks more, and more passes come). During the
    build the collector does not run by itself: each stage ends with one collection of what
    it made, and what it leaves is then frozen (never walked again, `gc.freeze`). Collecting
    every 100 000 allocations instead still cost 1.3 s of the 15 s reasoning at 100x (the
    stages make tuples and sets, not cycles: the peak did not change). What lives before the
    build (the modules it imported, the caller's objects) is frozen from the start: the first
    stage's collection walked all of it, 26 ms of the five documents' build."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


def _build(
    settings: Settings, progress: Progress, timings: dict[str, float], skip_bad: bool
) -> BuildResult:

    def stage(
        name: str, fn: Callable[_Args, _Out], *args: _Args.args, **kwargs: _Args.kwargs
    ) -> _Out:
        progress(name, "start")
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        # The stage's garbage cycles (everything older is frozen, so this walks only what the
        # stage made: a frozen cycle would stay until the build ends), then what it made lives
        # on: the collector need not walk it again. Counted in the stage's time.
        gc.collect()
        gc.freeze()
        timings[name] = round(time.perf_counter() - t0, 4)
        progress(name, "end")
        return out

    check_target(settings.build_dir)
    skipped: list[str] = []
    resolver = stage("normalise", load_resolver, settings.data_dir)
    docs = stage("parse", lambda: parse_all(settings, skip_bad=skip_bad, skipped=skipped))
    if not docs:
        raise InputError(str(settings.manifest), None, "no document could be built")
    themes, theme_examples = stage("themes", stages.classify_themes, docs, settings)
    machine_links = stage("link", stages.link, docs, themes, stages.cache_dir(settings))
    curated, found = stage("review", stages.curate, docs, machine_links, settings)
    links = curated.links
    asserted = stage(
        "rdf", to_quads, docs, resolver, themes, links, settings, curated.applied, found
    )
    stage("derive", stages.derive, asserted)
    stage("validate", stages.validate, asserted, settings)
    inferred = stage("reason", stages.reason, asserted, settings)
    stage("describe", stages.describe, asserted, inferred, docs, settings)
    report = report_mod.make_report(docs, themes, links, skipped, resolver, theme_examples)
    report_mod.add_review(report, curated, found)
    result = BuildResult(docs, timings, report, skipped, links, themes, curated, found)
    with staged(settings.build_dir) as out:  # the previous build stays until the swap
        written = stage("serialise", write, asserted, inferred, result, settings, out)
        del asserted, inferred  # the store is loaded from the files: its memory, not theirs
        stage("store", write_store, out, written.per_graph, written.union)
        result.report["timings"] = timings
        (out / TIMINGS).write_text(json.dumps(timings, indent=2) + "\n")
    return result

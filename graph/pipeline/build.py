"""Build time: the whole build, manifest + raw text → records → RDF → reasoning → validation → files.

Stages run in a fixed order and are timed (`BuildResult.timings`); `progress(stage, event)`
is called at each stage's start and end so the CLI can show progress and the benchmark can
sample memory per stage. A document that cannot be read stops the build with an InputError
naming the file and line, unless `skip_bad=True`: then it is left out, listed in the report,
and the report says the build is partial. Nothing is ever written for a failed build.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from reformkg.build_files import TIMINGS
from reformkg.errors import InputError
from reformkg.etl.dataset import to_quads
from reformkg.etl.documents import parse_all
from reformkg.etl.link import Link, MeasureKey
from reformkg.etl.normalise import load_resolver
from reformkg.etl.records import ParsedDocument
from reformkg.etl.themes import ThemeHit
from reformkg.graph.pipeline import report as report_mod
from reformkg.graph.pipeline import stages
from reformkg.graph.pipeline.store import write_store
from reformkg.graph.pipeline.write import write
from reformkg.settings import Settings

Progress = Callable[[str, str], None]
STAGES = ("parse", "normalise", "themes", "link", "rdf", "reason", "validate", "serialise")

_Args = ParamSpec("_Args")
_Out = TypeVar("_Out")


@dataclass
class BuildResult:
    docs: list[ParsedDocument]
    timings: dict[str, float]
    report: report_mod.Report
    skipped: list[str] = field(default_factory=list)  # "file:line: message" of documents left out
    links: list[Link] = field(default_factory=list)
    themes: dict[MeasureKey, list[ThemeHit]] = field(default_factory=dict)


def build(
    settings: Settings, progress: Progress | None = None, *, skip_bad: bool = False
) -> BuildResult:
    """Run every stage and write the dataset, the report and the ontology page to build_dir."""

    progress = progress or (lambda stage, event: None)
    timings: dict[str, float] = {}

    def stage(
        name: str, fn: Callable[_Args, _Out], *args: _Args.args, **kwargs: _Args.kwargs
    ) -> _Out:
        progress(name, "start")
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        timings[name] = round(time.perf_counter() - t0, 4)
        progress(name, "end")
        return out

    skipped: list[str] = []
    resolver = stage("normalise", load_resolver, settings.data_dir)
    docs = stage("parse", lambda: parse_all(settings, skip_bad=skip_bad, skipped=skipped))
    if not docs:
        raise InputError(str(settings.manifest), None, "no document could be built")
    themes = stage("themes", stages.assign_themes, docs, settings)
    links = stage("link", stages.link, docs, themes)
    asserted = stage("rdf", to_quads, docs, resolver, themes, links, settings)
    inferred = stage("reason", stages.reason, asserted, settings)
    stage("validate", stages.validate, asserted, inferred, settings)
    report = report_mod.make_report(docs, themes, links, skipped, resolver)
    result = BuildResult(docs, timings, report, skipped, links, themes)
    quads = stage("serialise", write, asserted, inferred, result, settings)
    stage("store", write_store, quads, settings.build_dir)
    del quads
    result.report["timings"] = timings
    (settings.build_dir / TIMINGS).write_text(json.dumps(timings, indent=2) + "\n")
    return result

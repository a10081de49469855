"""`reformkg validate`: check the built graph against the SHACL shapes (ontology/shapes.ttl)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib import RDF

from reformkg.errors import ReformKGError, ValidationFailed
from reformkg.settings import Settings

NAME = "validate"
HELP = "Validate the built graph against the SHACL shapes; exit 1 when it violates them."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--build", type=Path, help="build folder holding dataset.nq; default build/"
    )
    parser.add_argument("--shapes", type=Path, help="SHACL shapes; default ontology/shapes.ttl")
    parser.add_argument(
        "--warnings", action="store_true", help="also list warnings (e.g. measures without a theme)"
    )
    parser.add_argument(
        "--with-inferred",
        action="store_true",
        help="validate the closure too (graph/inferred); by default the default dataset is "
        "validated, where a link to the wrong kind of thing cannot hide behind a range",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.graph.pipeline.reason import clashes
    from reformkg.graph.pipeline.stages import format_clashes
    from reformkg.graph.pipeline.validate import format_violations, load_built_graphs, validate
    from reformkg.graph.query.store import dataset_path

    build_dir = settings.build_dir
    shapes = args.shapes or settings.ontology_dir / "shapes.ttl"
    if not shapes.is_file():
        raise ReformKGError(f"no SHACL shapes at {shapes}")
    dataset_path(build_dir)  # the build, checked whole: one line when it is cut or changed
    try:
        data, inferred = load_built_graphs(build_dir)
    except FileNotFoundError:
        raise ReformKGError(
            f"no built dataset in {build_dir}: run `reformkg build` first"
        ) from None
    except ValueError as err:
        raise ReformKGError(f"cannot read the built dataset: {err}") from None
    # rule cax-adc on the types the build stated and inferred (graph/inferred)
    types = [*data.subject_objects(RDF.type), *inferred.subject_objects(RDF.type)]
    inconsistent = clashes(types, data)
    if args.with_inferred:
        for t in inferred:
            data.add(t)
    try:
        results = validate(data, shapes, include_warnings=args.warnings)
    except ValueError as err:
        raise ReformKGError(str(err)) from None
    violations = [v for v in results if v.severity == "Violation"]
    if results:
        print(format_violations(results))
    if inconsistent:
        print(format_clashes(inconsistent))
    if violations or inconsistent:
        raise ValidationFailed(
            f"{len(violations)} SHACL violation(s), {len(inconsistent)} individual(s) of two "
            f"disjoint classes in {build_dir} (listed above)"
        )
    warned = len(results) - len(violations)
    note = f", {warned} warning(s)" if args.warnings else ""
    print(
        f"conforms: {len(data)} triples of {build_dir} satisfy {shapes.name}{note}", file=sys.stderr
    )
    return 0

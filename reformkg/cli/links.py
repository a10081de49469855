"""`reformkg links review`: the machine links most worth a curator's look, and decisions recorded
into data/link-reviews.csv (honoured by the next build)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from reformkg.errors import ReformKGError
from reformkg.settings import Settings

NAME = "links"
HELP = (
    "Curate cross-batch links: `links review` lists the machine links most worth a look; "
    "with --confirm/--reject/--add it records a decision in the data folder's link-reviews.csv."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    review = sub.add_parser("review", help="list links worth a look, or record a decision")
    review.add_argument("--data", type=Path, help="data folder (default: the bundled documents)")
    review.add_argument("--limit", type=int, default=20, help="how many links to list (20)")
    decision = review.add_mutually_exclusive_group()
    for name in ("confirm", "reject", "add"):
        decision.add_argument(
            f"--{name}",
            nargs=2,
            metavar=("SOURCE", "TARGET"),
            help=f"{name} the link SOURCE–TARGET (doc_id:number)",
        )
    review.add_argument("--relation", choices=("same", "evolution", "related"), default="")
    review.add_argument("--reviewer", help="your name (default: REFORMKG_REVIEWER)")
    review.add_argument("--note", default="", help="why (one line)")
    review.add_argument("--date", help="YYYY-MM-DD (default: today)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.reviews import FILE_NAME, Review, append_review, check

    path = settings.data_dir / FILE_NAME
    chosen = [(d, getattr(args, d)) for d in ("confirm", "reject", "add") if getattr(args, d)]
    if not chosen:
        return _list(settings, args.limit)
    decision, (source, target) = chosen[0]
    review = Review(
        source=source,
        target=target,
        decision=decision,
        relation=args.relation,
        reviewer=(args.reviewer or settings.reviewer or "").strip(),
        date=args.date or dt.date.today().isoformat(),
        note=args.note,
    )
    problem = check(review)
    if problem:
        raise ReformKGError(problem)
    append_review(path, review)
    print(f"recorded: {decision} {source} ↔ {target} in {path}; run `reformkg build` to apply it")
    return 0


def _list(settings: Settings, limit: int) -> int:
    from reformkg.etl.curation import worth_a_look
    from reformkg.etl.documents import parse_all
    from reformkg.etl.link import link_measures
    from reformkg.graph.pipeline import stages
    from reformkg.reviews import FILE_NAME, read_reviews

    docs = parse_all(settings)
    themes = stages.link_themes(stages.assign_themes(docs, settings))
    reviewed = {r.pair for r in read_reviews(settings.data_dir / FILE_NAME)}
    names = {(m.doc_id, m.number, m.part): m.name.clean for d in docs for m in d.measures}
    rows = worth_a_look(link_measures(docs, themes), reviewed)[:limit]
    if not rows:
        print("no machine link left to review")
        return 0
    for n, (link, reason) in enumerate(rows, start=1):
        s, t = link.source_key, link.target_key
        print(f"{n:>3}. {_ref(s)} → {_ref(t)}  {link.relation}  score {link.score:.3f}  {reason}")
        print(f"     {names.get(s, '')}  ←  {names.get(t, '')}")
    print(
        "record a decision: reformkg links review --confirm|--reject SOURCE TARGET "
        "--reviewer NAME [--note TEXT]",
        file=sys.stderr,
    )
    return 0


def _ref(key: tuple[str, str, int | None]) -> str:
    doc, number, part = key
    return f"{doc}:{number}" + (f"-{part}" if part else "")

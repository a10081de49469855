"""Build time: curator reviews (data/link-reviews.csv) applied to the linker's links.

Why at build time and not at serve time: a correction must hold in every output of the build
(the graph, its files, the exports, the views), and must survive every rebuild, which it does
because the build reads the review file each time. Rules:

- reject: the machine link of the pair is gone (either direction);
- confirm: the link stays, marked confirmed; a relation given corrects the linker's;
- add: a link with the curator's relation, later measure → earlier one (by the manifest's
  document order, whichever way the row names them); on a pair the linker already links, it
  is a confirm with that relation;
- a later review of the same pair overrides an earlier one (the file is a log);
- a review naming a measure the build does not have, two measures of one document, or (for
  confirm and reject) a pair the linker no longer links, is stale: reported in the build
  report, applied to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from reformkg.etl.link import Link, MeasureKey, sort_key
from reformkg.reviews import Review, parse_ref

__all__ = ["CURATOR_METHOD", "Curated", "Stale", "apply_reviews"]

CURATOR_METHOD = "curator"


@dataclass(frozen=True)
class Stale:
    """A review the build could not apply, and why (for the build report)."""

    review: Review
    reason: str


@dataclass(frozen=True)
class Applied:
    """A review as applied: the pair oriented later → earlier."""

    review: Review
    source: MeasureKey
    target: MeasureKey


@dataclass
class Curated:
    links: list[Link]
    applied: list[Applied]
    stale: list[Stale]
    superseded: int  # reviews overridden by a later row about the same pair


def apply_reviews(
    links: Sequence[Link],
    reviews: Sequence[Review],
    rank: Mapping[str, int],
    known: set[MeasureKey],
) -> Curated:
    """The links after the reviews; `rank` is each document's order, `known` every measure."""
    last: dict[frozenset[MeasureKey], Review] = {}
    for r in reviews:
        last[r.pair] = r
    by_pair: dict[frozenset[MeasureKey], list[Link]] = {}
    for x in links:
        by_pair.setdefault(frozenset((x.source_key, x.target_key)), []).append(x)
    applied: list[Applied] = []
    stale: list[Stale] = []
    for pair, r in last.items():
        a, b = parse_ref(r.source), parse_ref(r.target)
        missing = [ref for ref, key in ((r.source, a), (r.target, b)) if key not in known]
        if missing:
            stale.append(Stale(r, f"no measure {' or '.join(missing)} in this build"))
            continue
        if a[0] == b[0]:
            stale.append(Stale(r, "both measures are in one document; links join batches"))
            continue
        later, earlier = (a, b) if (rank[a[0]], sort_key(a)) > (rank[b[0]], sort_key(b)) else (b, a)
        existing = by_pair.get(pair, [])
        if r.decision == "reject":
            if not existing:
                stale.append(Stale(r, "the linker no longer links these measures"))
                continue
            del by_pair[pair]
        elif existing:
            relation = r.relation or existing[0].relation
            by_pair[pair] = [replace(x, relation=relation, status="confirmed") for x in existing]
        elif r.decision == "confirm":
            stale.append(Stale(r, "the linker no longer links these measures (add it instead)"))
            continue
        else:
            by_pair[pair] = [Link(later, earlier, r.relation, None, CURATOR_METHOD, (), "added")]
        applied.append(Applied(r, later, earlier))
    out = sorted(
        (x for group in by_pair.values() for x in group),
        key=lambda x: (sort_key(x.source_key), sort_key(x.target_key)),
    )
    applied.sort(key=lambda x: (sort_key(x.source), sort_key(x.target)))
    stale.sort(key=lambda s: s.review.line)
    return Curated(out, applied, stale, len(reviews) - len(last))

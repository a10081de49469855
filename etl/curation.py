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


def worth_a_look(
    links: Sequence[Link], reviewed: set[frozenset[MeasureKey]]
) -> list[tuple[Link, str]]:
    """The machine links a curator should read first, with why: a score within 0.03 of the
    threshold that made it (a counterpart's or a related link's), or a name and a practice text
    that disagree (one alike, the other not: 0.3 apart or more). Closest calls first; pairs
    already reviewed are left out."""
    from reformkg.etl import link as linking

    out: list[tuple[float, tuple[str, int, str, int], tuple[str, int, str, int], Link, str]] = []
    for x in links:
        if (
            x.status != "machine"
            or x.score is None
            or frozenset((x.source_key, x.target_key)) in reviewed
        ):
            continue
        threshold = linking.RELATED_THRESHOLD if x.relation == "related" else linking.LINK_THRESHOLD
        margin = x.score - threshold
        gap = abs((x.name_cos or 0.0) - (x.body_cos or 0.0))
        reasons = []
        if margin < 0.03:
            reasons.append(f"score {margin:+.3f} from the {x.relation} threshold {threshold}")
        if gap >= 0.3:
            reasons.append(f"names {x.name_cos:.2f} vs practice texts {x.body_cos:.2f}")
        if reasons:
            out.append(
                (
                    margin - gap,
                    sort_key(x.source_key),
                    sort_key(x.target_key),
                    x,
                    "; ".join(reasons),
                )
            )
    out.sort(key=lambda r: (r[0], r[1], r[2]))
    return [(x, why) for _, _, _, x, why in out]

"""Build time: reform lineages, the measures joined by same-reform and evolution links.

A lineage is a connected group of counterpart links (after curator review), so a reform
restated in one batch and extended in the next is one lineage however the links run. Related
links never join a lineage: they say "same field", not "same reform".

Its identity is its earliest version (by the manifest's document order, then printed number):
new batches add later versions and leave the name alone, and a rebuild of the same inputs
names it the same. When curators split or merge lineages, the earliest version of each part
names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reformkg.etl.link import Link, MeasureKey, sort_key

__all__ = ["COUNTERPARTS", "Lineage", "lineages"]

COUNTERPARTS = ("same", "evolution")


@dataclass(frozen=True)
class Lineage:
    """The versions of one reform, earliest first; `anchor` (the first) names it."""

    versions: tuple[MeasureKey, ...]

    @property
    def anchor(self) -> MeasureKey:
        return self.versions[0]


def lineages(links: Sequence[Link], rank: Mapping[str, int]) -> list[Lineage]:
    """Every lineage of two or more measures, sorted by their anchors."""
    parent: dict[MeasureKey, MeasureKey] = {}

    def root(k: MeasureKey) -> MeasureKey:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def order(k: MeasureKey) -> tuple[int, tuple[str, int, str, int]]:
        return (rank[k[0]], sort_key(k))

    for x in links:
        if x.relation in COUNTERPARTS:
            a, b = root(x.source_key), root(x.target_key)
            if a != b:
                first, second = sorted((a, b), key=order)
                parent[second] = first
    groups: dict[MeasureKey, list[MeasureKey]] = {}
    for k in list(parent):
        groups.setdefault(root(k), []).append(k)
    found = [Lineage(tuple(sorted(g, key=order))) for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda x: order(x.anchor))

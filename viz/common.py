"""What the three graph views share: colours, caps, links to resource pages, pyvis → vis data.

The views build their nodes and edges with pyvis' `Network` (so node and edge options follow
pyvis/vis-network conventions), then hand the plain lists to our own template: pyvis' bundled
HTML templates load Bootstrap and vis-network from CDNs, which this product must never do.
Positions are computed here with networkx and physics is switched off in the browser, so a
page is drawn once, deterministically, and is interactive as soon as it is drawn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import networkx as nx
from pyvis.network import Network

from reformkg.vocab import ID

__all__ = [
    "CJK_FONT",
    "DOC_COLOURS",
    "LINK_COLOURS",
    "MUTED",
    "SMALL_LABEL",
    "attach_find",
    "find_key",
    "declutter",
    "label_box",
    "overlap",
    "doc_colour",
    "LEVEL_COLOURS",
    "LEVEL_NAMES",
    "View",
    "filter_notice",
    "fmt",
    "layout",
    "lines",
    "measure_href",
    "measure_items",
    "new_network",
    "script_json",
    "separate",
    "vis_lists",
]

#: A CJK-capable font stack (Debian: fonts-noto-cjk provides "Noto Sans CJK SC").
CJK_FONT = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"Microsoft YaHei", sans-serif'
)

#: One colour per document for the whole product, by the document's place in the manifest
#: (`reformkg.graph.read.lineages.documents`), whatever a page filters: the evolution view, the
#: lineage pages and the measure pages agree. None is close to the link colours below.
DOC_COLOURS = (
    "#2e6fba",
    "#2e9e5b",
    "#b0418a",
    "#1a9aa0",
    "#d08a12",
    "#7b5cc4",
    "#8a5a3c",
    "#7d8f1e",
)
#: Links between versions: near-black, so no document colour is mistaken for a link.
LINK_COLOURS = {"evolves": "#262b33", "same": "#262b33"}
#: A lineage member outside the filter, drawn to keep the lineage whole.
MUTED = "#e4e7eb"


def doc_colour(index: int) -> str:
    """The colour of the document at `index` in the manifest's order."""
    return DOC_COLOURS[index % len(DOC_COLOURS)]


#: Agency level → node colour (most senior darkest/warmest).
LEVEL_COLOURS: dict[str, str] = {
    "national": "#c0392b",
    "provincial": "#e67e22",
    "city": "#2e86c1",
    "district": "#27ae60",
    "collective": "#8e8e8e",
    "unknown": "#b7950b",
    "other": "#d5d8dc",
}

#: Level → legend text (Chinese as analysts read it, English for others).
LEVEL_NAMES: dict[str, str] = {
    "national": "国家级 national",
    "provincial": "省级 provincial",
    "city": "市级 city",
    "district": "区级 district",
    "collective": "集体条目 collective",
    "unknown": "未知 unknown",
    "other": "其余合并 grouped",
}


class View(dict[str, Any]):
    """A view model: a plain dict (JSON-ready) with the keys the template and viz.js read.

    Keys: ``view``, ``title``, ``nodes``, ``edges``, ``panels`` (node/edge id → side-panel
    content), ``notices`` (what was capped or aggregated, said on the page), ``legend``,
    ``filters`` and ``stats`` (``nodes``/``edges`` counts the tests read back).
    """


def measure_href(iri: str, link_base: str = "/id/") -> str:
    """The page of a data IRI: ``/id/…`` on the web app, or ``link_base`` + tail elsewhere.

    >>> measure_href("https://w3id.org/reformkg/id/measure/d/1")
    '/id/measure/d/1'
    >>> measure_href("https://w3id.org/reformkg/id/measure/d/1", "https://w3id.org/reformkg/id/")
    'https://w3id.org/reformkg/id/measure/d/1'
    """
    return link_base + str(iri).removeprefix(str(ID))


def measure_items(
    measures: Iterable[str], labels: Mapping[str, str], cap: int, link_base: str = "/id/"
) -> tuple[list[dict[str, str]], int]:
    """A panel's list of measures (label, page, short id), at most `cap`, in the given order,
    and how many were left out."""
    from reformkg.graph.read.analytics import short_id

    ms = list(measures)
    items = [
        {
            "label": labels.get(m, m),
            "href": measure_href(m, link_base),
            "note": short_id(m, "measure"),
        }
        for m in ms[:cap]
    ]
    return items, max(len(ms) - cap, 0)


def new_network(directed: bool = False) -> Network:
    """A pyvis Network used only as a builder of vis-network node and edge options."""
    return Network(directed=directed, cdn_resources="local")


def vis_lists(net: Network) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The node and edge dicts pyvis built, with stable edge ids (``e0``, ``e1`` …)."""
    nodes = [dict(n) for n in net.nodes]
    edges = [{"id": f"e{i}", **e} for i, e in enumerate(net.edges)]
    return nodes, edges


def _induced(H: nx.Graph[str], nodes: list[str]) -> nx.Graph[str]:
    """The subgraph on `nodes`, in their order: networkx's `subgraph` view iterates a set, whose
    order changes with each process's string hashing, and the layout would change with it."""
    chosen = set(nodes)
    sub: nx.Graph[str] = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from((u, v, d) for u, v, d in H.edges(data=True) if u in chosen and v in chosen)
    return sub


def layout(
    G: nx.Graph[str], scale: float = 900.0, seed: int = 7, sizes: Mapping[str, float] | None = None
) -> dict[str, tuple[float, float]]:
    """Deterministic spring positions in pixels (the browser runs no physics).

    >>> pos = layout(nx.path_graph(["a", "b", "c"]))
    >>> sorted(pos) == ["a", "b", "c"] and all(abs(x) <= 900 for x, _ in pos.values())
    True
    """
    if len(G) == 0:
        return {}
    H: nx.Graph[str] = nx.Graph()
    H.add_nodes_from(sorted(G))
    # log weights: a pair sharing 60 measures should sit close, not collapse the whole drawing
    H.add_edges_from(
        sorted(
            (min(u, v), max(u, v), {"weight": 1.0 + math.log(float(d.get("weight", 1)))})
            for u, v, d in G.edges(data=True)
        )
    )
    comps = sorted((sorted(c) for c in nx.connected_components(H)), key=lambda c: (-len(c), c[0]))
    pos: dict[str, tuple[float, float]] = {}
    main = comps[0]
    radius = scale * math.sqrt(len(main) / 80) if len(main) > 1 else 0.0
    if len(main) > 1:
        sub = _induced(H, main)
        k = 1.8 / math.sqrt(len(main))
        laid = nx.spring_layout(sub, seed=seed, weight="weight", k=k, iterations=80)
        pos.update({n: (float(x) * radius, float(y) * radius) for n, (x, y) in laid.items()})
    else:
        pos[main[0]] = (0.0, 0.0)
    # the other components (often single nodes) in rows under the main one, not flung far away
    x, y, row_h, step = -radius, radius + 120.0, 0.0, 90.0
    for comp in comps[1:]:
        size = step * math.sqrt(len(comp))
        if x + size > radius and x > -radius:
            x, y, row_h = -radius, y + row_h + step, 0.0
        ring = nx.circular_layout(_induced(H, comp)) if len(comp) > 1 else {}
        placed: dict[str, tuple[float, float]] = {
            n: (float(cx), float(cy)) for n, (cx, cy) in ring.items()
        } or {comp[0]: (0.0, 0.0)}
        for n, (cx, cy) in placed.items():
            pos[n] = (x + size / 2 + float(cx) * size / 3, y + float(cy) * size / 3)
        x += size + step / 2
        row_h = max(row_h, size)
    if sizes:
        pos = separate(pos, sizes)
    return {n: (round(px, 1), round(py, 1)) for n, (px, py) in sorted(pos.items())}


def separate(
    pos: Mapping[str, tuple[float, float]],
    sizes: Mapping[str, float],
    gap: float = 6.0,
    rounds: int = 60,
) -> dict[str, tuple[float, float]]:
    """Push apart nodes whose discs overlap, so every node can be seen and clicked.

    >>> p = separate({"a": (0.0, 0.0), "b": (1.0, 0.0)}, {"a": 10, "b": 10})
    >>> p["b"][0] - p["a"][0] >= 26
    True
    """
    xy = {n: [float(x), float(y)] for n, (x, y) in sorted(pos.items())}
    names = list(xy)
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                dx, dy = xy[b][0] - xy[a][0], xy[b][1] - xy[a][1]
                need = sizes.get(a, 10) + sizes.get(b, 10) + gap
                dist = math.hypot(dx, dy)
                if dist >= need:
                    continue
                if dist < 1e-6:
                    dx, dy, dist = 1.0, 0.0, 1.0
                push = (need - dist) / 2 + 0.5
                ux, uy = dx / dist, dy / dist
                xy[a][0] -= ux * push
                xy[a][1] -= uy * push
                xy[b][0] += ux * push
                xy[b][1] += uy * push
                moved = True
        if not moved:
            break
    return {n: (x, y) for n, (x, y) in xy.items()}


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=20_000)
def _traditional(ch: str) -> str:
    """The traditional form of one simplified character (itself when it has none)."""
    out: str = _s2t().convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=100_000)
def find_key(name: str) -> str:
    """A name as the find box matches it: simplified, lower-cased, without spaces."""
    from reformkg.script import normalise

    return normalise("".join(name.split()))


def attach_find(view: dict[str, Any], keys: Mapping[str, Iterable[str]]) -> None:
    """Give the page's find box what it matches: per node its names (canonical, aliases,
    printed forms) simplified and lower-cased, and the traditional forms of their characters,
    so an analyst may type either script (viz.js normalises the query with the same map)."""
    find = {n: sorted({find_key(k) for k in ks if k.strip()}) for n, ks in sorted(keys.items())}
    chars = sorted({ch for ks in find.values() for k in ks for ch in k})
    view["find"] = find
    view["t2s"] = {t: ch for ch in chars if (t := _traditional(ch)) != ch}


def label_box(
    x: float, y: float, label: str, font: float, below: float
) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) of a node's label drawn under its dot (vis-network's place
    for a dot's label), from its text: a CJK character is about one font size wide, other
    characters about half of it; lines are 1.25 font sizes apart.

    >>> label_box(0, 0, "深圳", 10, 5)
    (-10.0, 7.0, 10.0, 19.5)
    """
    rows = label.split("\n")
    width = max(sum(font if ord(c) > 0x2E80 else font * 0.55 for c in r) for r in rows)
    top = float(y + below + 2)
    return (x - width / 2, top, x + width / 2, top + font * 1.25 * len(rows))


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """The share of the smaller box covered by the other (0 to 1).

    >>> overlap((0, 0, 10, 10), (5, 0, 15, 10))
    0.5
    """
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller else 0.0


#: A label shrunk to this size is below viz.js' draw threshold at the first view: it shows
#: when the analyst zooms in, instead of covering a busier node's label.
SMALL_LABEL = 8


def declutter(nodes: list[dict[str, Any]], limit: float = 0.2, keep: int = 0) -> int:
    """Shrink the labels that would cover more than `limit` of a label drawn before them
    (nodes come busiest first; the first `keep` are never shrunk), so the busiest labels stay
    readable; how many were shrunk."""
    placed: list[tuple[float, float, float, float]] = []
    shrunk = 0
    for k, n in enumerate(nodes):
        font = float(n.get("font", {}).get("size", 14))
        box = label_box(n["x"], n["y"], str(n.get("label", "")), font, float(n.get("size", 10)))
        if k >= keep and any(overlap(box, p) > limit for p in placed):
            n["font"] = {**n.get("font", {}), "size": SMALL_LABEL}
            shrunk += 1
        else:
            placed.append(box)
    return shrunk


def script_json(data: Any) -> str:
    """JSON safe to place inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``.

    A label such as ``</script><script>alert(1)</script>`` therefore stays data, and JSON.parse
    gives back the exact text.

    >>> script_json({"label": "</script>&"})
    '{"label": "\\\\u003c/script\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def lines(*parts: Iterable[str] | str) -> str:
    """A plain-text tooltip (vis-network shows string titles as text, never as HTML)."""
    out: list[str] = []
    for p in parts:
        out.extend([p] if isinstance(p, str) else list(p))
    return "\n".join(x for x in out if x)


def fmt(value: float) -> str:
    """A centrality as analysts read it (three decimals).

    >>> fmt(0.12345)
    '0.123'
    """
    return f"{value:.3f}"


def filter_notice(filters: Mapping[str, str]) -> list[str]:
    """'Filtered by doc = …' notices, so a shared link says what it shows."""
    return [f"筛选 filtered by {k} = {v}" for k, v in filters.items()]

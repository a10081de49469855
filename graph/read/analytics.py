"""Agency workload and co-responsibility analytics, computed from the store.

Every figure here starts from SPARQL over the pyoxigraph store (the union of the asserted
graphs), never from the parser's records, so that the API, the CSV export, the HTML table and
the graph views show exactly what a SPARQL query returns. The networkx graphs are built from
those query results:

- the bipartite agency–measure graph (edge attribute ``roles``: ``lead`` and/or ``responsible``),
- its projection onto agencies (the co-responsibility network; ``weight`` = shared measures),
- its projection onto measures (measures linked when they share an agency).

A `Filters` object narrows the measures considered (by document, theme, place, agency or one
measure); the same filter is turned into SPARQL graph patterns with bound variables, never by
pasting user text into a query.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.load(EXAMPLE_TRIG.encode(), format=ox.RdfFormat.TRIG)
>>> B = bipartite_graph(store)
>>> sorted(n for n, d in B.nodes(data=True) if d["kind"] == "agency")[0].rsplit("/", 1)[1]
'A'
>>> G = agency_projection(B)
>>> label = lambda n: G.nodes[n]["label"]
>>> sorted((*sorted([label(u), label(v)]), d["weight"]) for u, v, d in G.edges(data=True))
[('各区政府', '局乙', 1), ('各区政府', '局甲', 1), ('局乙', '局甲', 2)]
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TypedDict, TypeVar

import networkx as nx
import pyoxigraph as ox
from networkx.algorithms import bipartite

from reformkg.graph.query.store import Row, SparqlStore, optional_str, select
from reformkg.script import printed_only
from reformkg.vocab import (
    ID,
    RK,
    SPARQL_PREFIXES,
    agency_iri,
    document_iri,
    measure_iri,
    place_iri,
    theme_iri,
)

__all__ = [
    "EXAMPLE_TRIG",
    "LEVELS",
    "PREFIXES",
    "AgencyInfo",
    "Centrality",
    "CollectiveShare",
    "Filters",
    "MeasureFacts",
    "RoleCounts",
    "Share",
    "Workload",
    "agency_info",
    "agency_projection",
    "bipartite_graph",
    "busiest_agencies",
    "centralities",
    "collective_share",
    "communities",
    "measure_facts",
    "measure_projection",
    "measure_roles",
    "network_summary",
    "select_measures",
    "short_id",
    "WORKLOAD_FIELDS",
    "workload",
    "workload_rows",
]

PREFIXES = SPARQL_PREFIXES  # what viz and the views put before their SELECTs

#: rk:level individuals → the short names used in JSON, CSV and colours (most senior first).
LEVELS: dict[str, str] = {
    str(RK.NationalLevel): "national",
    str(RK.ProvincialLevel): "provincial",
    str(RK.CityLevel): "city",
    str(RK.DistrictLevel): "district",
    str(RK.CollectiveLevel): "collective",
}

#: A three-measure dataset used by the doctests (and small enough to check by eye).
EXAMPLE_TRIG = """\
@prefix rk: <https://w3id.org/reformkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/reformkg/id/> .
@prefix g: <https://w3id.org/reformkg/graph/> .
g:entities {
  id:agency\\/A a rk:Agency ; skos:prefLabel "局甲"@zh ; rk:level rk:CityLevel .
  id:agency\\/B a rk:Agency ; skos:prefLabel "局乙"@zh ; rk:level rk:CityLevel .
  id:agency\\/C a rk:CollectiveAgency ; skos:prefLabel "各区政府"@zh ; rk:level rk:CollectiveLevel .
}
g:doc\\/d1 {
  id:doc\\/d1 a rk:Document ; rk:batchOrder 1 .
  id:measure\\/d1\\/1 a rk:Measure ; rdfs:label "举措一"@zh ; rk:inDocument id:doc\\/d1 ;
      rk:leadAgency id:agency\\/A ; rk:responsibleAgency id:agency\\/B , id:agency\\/C ;
      rk:deadline "2022-06-30"^^xsd:date .
  id:measure\\/d1\\/2 a rk:Measure ; rdfs:label "举措二"@zh ; rk:inDocument id:doc\\/d1 ;
      rk:leadAgency id:agency\\/A , id:agency\\/B .
  id:measure\\/d1\\/3 a rk:Measure ; rdfs:label "举措三"@zh ; rk:inDocument id:doc\\/d1 ;
      rk:leadAgency id:agency\\/B .
}
"""


def short_id(iri: str, kind: str) -> str:
    """The readable tail of a data IRI (``id/doc/x`` → ``x``), as used in URL filters.

    >>> short_id("https://w3id.org/reformkg/id/doc/sz-bizenv-2022-b1", "doc")
    'sz-bizenv-2022-b1'
    >>> short_id("https://w3id.org/reformkg/id/agency/%E5%B1%80", "agency")
    '局'
    """
    from urllib.parse import unquote

    return unquote(str(iri).removeprefix(f"{ID}{kind}/"))


@dataclass(frozen=True)
class Filters:
    """What narrows the measures a view or a figure considers; each field is one URL parameter.

    Values are the readable ids analysts see in IRIs and URLs: a document id
    (``sz-bizenv-2022-b1``), a theme id, a place id (``shenzhen``; places within it count too),
    an agency's canonical Chinese name (lead or responsible), or a measure
    (``sz-bizenv-2022-b1/7-2``).

    >>> Filters.from_params({"doc": "d1", "theme": "", "x": "y"})
    Filters(doc='d1', theme=None, place=None, agency=None, measure=None)
    """

    doc: str | None = None
    theme: str | None = None
    place: str | None = None
    agency: str | None = None
    measure: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str | None]) -> Filters:
        """Keep the known, non-empty parameters (whitespace trimmed)."""
        values: dict[str, str | None] = {}
        for f in fields(cls):
            value = (params.get(f.name) or "").strip()
            values[f.name] = value or None
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        """The non-empty filters, in field order (for URLs and for 'filtered by …' notices)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def __bool__(self) -> bool:
        return bool(self.as_params())

    def pattern(self, var: str = "m") -> str:
        """SPARQL graph patterns restricting ``?var`` (a measure).

        Each value becomes an IRI minted by reformkg.vocab and serialised by pyoxigraph's
        `NamedNode` (which rejects characters not allowed in an IRI) into a ``VALUES`` row, so
        user text is never pasted into the query. (pyoxigraph's ``substitutions`` only binds
        projected variables, which grouped queries cannot project.)
        """
        values: list[tuple[str, str, str]] = []
        if self.doc:
            values.append(("f_doc", f"?{var} rk:inDocument ?f_doc .", str(document_iri(self.doc))))
        if self.theme:
            values.append(
                (
                    "f_theme",
                    f"?{var} rk:hasTheme/skos:broader* ?f_theme .",
                    str(theme_iri(self.theme)),
                )
            )
        if self.place:
            values.append(
                (
                    "f_place",
                    f"?{var} (rk:sourcePlace|rk:jurisdiction)/rk:withinPlace* ?f_place .",
                    str(place_iri(self.place)),
                )
            )
        if self.agency:
            values.append(
                (
                    "f_agency",
                    f"?{var} rk:leadAgency|rk:responsibleAgency ?f_agency .",
                    str(agency_iri(self.agency)),
                )
            )
        if self.measure:
            values.append(
                ("f_measure", f"FILTER(?{var} = ?f_measure)", _measure_from_tail(self.measure))
            )
        parts = []
        for name, pattern, iri in values:
            parts.append(f"VALUES ?{name} {{ {ox.NamedNode(iri)} }}")
            parts.append(pattern)
        return "\n".join(parts)


def _measure_from_tail(value: str) -> str:
    """``doc/7-2`` (or a full measure IRI) → the measure IRI, minted by reformkg.vocab.

    >>> _measure_from_tail("https://w3id.org/reformkg/id/measure/d/7-2")
    'https://w3id.org/reformkg/id/measure/d/7-2'
    >>> _measure_from_tail("d/x y")
    'https://w3id.org/reformkg/id/measure/d/x%20y'
    """
    from urllib.parse import unquote

    tail = unquote(value.removeprefix(f"{ID}measure/"))
    doc, _, rest = tail.partition("/")
    match = re.fullmatch(r"(.+)-(\d+)", rest)
    if match:
        return str(measure_iri(doc, match.group(1), int(match.group(2))))
    return str(measure_iri(doc, rest))


def select_measures(store: SparqlStore, body: str, filters: Filters | None = None) -> list[Row]:
    """Run ``SELECT … WHERE { ?m a rk:Measure . <filters> <body> }``: ``?m`` is a measure that
    passes `filters` (``body`` is a SELECT whose WHERE clause uses ``?m``; PREFIXES added).

    >>> import pyoxigraph as ox
    >>> store = ox.Store()
    >>> store.load(EXAMPLE_TRIG.encode(), format=ox.RdfFormat.TRIG)
    >>> f = Filters(agency="A")
    >>> sorted(str(r["m"])[-1] for r in select_measures(store, "SELECT ?m WHERE { }", f))
    ['1', '2']
    """
    pattern = (filters or Filters()).pattern("m")
    head, _, tail = body.partition("WHERE {")
    query = f"{PREFIXES}{head}WHERE {{\n?m a rk:Measure .\n{pattern}\n{tail}"
    return select(store, query)


def measure_roles(store: SparqlStore, filters: Filters | None = None) -> list[tuple[str, str, str]]:
    """(measure, agency, role) for every 牵头单位 (``lead``) and 责任单位 (``responsible``) entry.

    Sorted, so graphs built from it get their nodes in a stable order.
    """
    rows = select_measures(
        store,
        """SELECT DISTINCT ?m ?a ?role WHERE {
        { ?m rk:leadAgency ?a . BIND("lead" AS ?role) }
        UNION { ?m rk:responsibleAgency ?a . BIND("responsible" AS ?role) } }""",
        filters,
    )
    return sorted((str(r["m"]), str(r["a"]), str(r["role"])) for r in rows)


class MeasureFacts(TypedDict):
    """A measure node's attributes in the bipartite graph."""

    label: str
    doc: str | None  # IRI
    section: str | None  # IRI
    section_label: str | None
    deadline: str | None  # ISO date
    themes: list[str]  # IRIs, sorted


class AgencyInfo(TypedDict):
    """An agency node's attributes in the bipartite graph."""

    label: str
    level: str  # a value of LEVELS, or "unknown"
    collective: bool


def measure_facts(store: SparqlStore, filters: Filters | None = None) -> dict[str, MeasureFacts]:
    """Per measure: label, document, section (IRI and label), deadline, themes (asserted)."""
    rows = select_measures(
        store,
        f"""SELECT ?m (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?doc) (SAMPLE(?s) AS ?section)
            (SAMPLE(?sl) AS ?sectionLabel) (SAMPLE(?dl) AS ?deadline)
            (GROUP_CONCAT(DISTINCT STR(?t); separator=" ") AS ?themes) WHERE {{
        OPTIONAL {{ ?m rdfs:label ?l {printed_only("?l", "?m", "rdfs:label")} }}
        OPTIONAL {{ ?m rk:inDocument ?d }}
        OPTIONAL {{ ?m rk:inSection ?s
                    OPTIONAL {{ ?s rdfs:label ?sl {printed_only("?sl", "?s", "rdfs:label")} }} }}
        OPTIONAL {{ ?m rk:deadline ?dl }}
        OPTIONAL {{ ?m rk:hasTheme ?t }} }} GROUP BY ?m""",
        filters,
    )
    facts: dict[str, MeasureFacts] = {}
    for r in rows:
        facts[str(r["m"])] = {
            "label": str(r["label"] or short_id(str(r["m"]), "measure")),
            "doc": optional_str(r["doc"]),
            "section": optional_str(r["section"]),
            "section_label": optional_str(r["sectionLabel"]),
            "deadline": optional_str(r["deadline"]),
            "themes": sorted(str(r["themes"] or "").split()),
        }
    return dict(sorted(facts.items()))


def agency_info(store: SparqlStore) -> dict[str, AgencyInfo]:
    """Per agency: preferred label, level (short name) and whether it is a collective entry."""
    rows = select(
        store,
        PREFIXES
        + """SELECT ?a (SAMPLE(?l) AS ?label) (SAMPLE(?lv) AS ?level)
            (MAX(?c) AS ?collective) WHERE {
        { ?a a rk:Agency } UNION { ?a a rk:CollectiveAgency }
        OPTIONAL { ?a skos:prefLabel ?l }
        OPTIONAL { ?a rk:level ?lv }
        BIND(EXISTS { ?a a rk:CollectiveAgency } || EXISTS { ?a rk:level rk:CollectiveLevel }
             AS ?c) } GROUP BY ?a""",
    )
    info: dict[str, AgencyInfo] = {}
    for r in rows:
        iri = str(r["a"])
        info[iri] = {
            "label": str(r["label"] or short_id(iri, "agency")),
            "level": LEVELS.get(str(r["level"]), "unknown"),
            "collective": bool(r["collective"]),
        }
    return dict(sorted(info.items()))


def bipartite_graph(store: SparqlStore, filters: Filters | None = None) -> nx.Graph[str]:
    """The agency–measure graph: ``bipartite=0`` agencies, ``bipartite=1`` measures.

    An edge carries ``roles``, the sorted roles the agency has on that measure.
    """
    return bipartite_from_rows(
        measure_roles(store, filters), measure_facts(store, filters), agency_info(store)
    )


def bipartite_from_rows(
    roles: Iterable[tuple[str, str, str]],
    facts: Mapping[str, MeasureFacts],
    agencies: Mapping[str, AgencyInfo],
) -> nx.Graph[str]:
    """`bipartite_graph` from the rows already read: the workload table and the agency view
    both model this one graph, so their figures cannot disagree."""
    roles = list(roles)
    B: nx.Graph[str] = nx.Graph()
    for m, a, _ in roles:
        B.add_node(a, bipartite=0, kind="agency", **_agency_attrs(a, agencies))
        measure: Mapping[str, object] = facts.get(m) or {"label": m}
        B.add_node(m, bipartite=1, kind="measure", **measure)
    for m, a, role in roles:
        if not B.has_edge(a, m):
            B.add_edge(a, m, roles=[role])
            continue
        data = B.edges[a, m]
        if role not in data["roles"]:
            data["roles"] = sorted([*data["roles"], role])
    return B


def _agency_attrs(iri: str, agencies: Mapping[str, AgencyInfo]) -> AgencyInfo:
    known = agencies.get(iri)
    if known is not None:
        return known.copy()
    return {"label": short_id(iri, "agency"), "level": "unknown", "collective": False}


def _nodes_of(B: nx.Graph[str], kind: str) -> list[str]:
    return sorted(n for n, d in B.nodes(data=True) if d["kind"] == kind)


def agency_projection(B: nx.Graph[str]) -> nx.Graph[str]:
    """Agencies linked when they appear on the same measure; ``weight`` = measures shared.

    Agencies on no shared measure are kept as isolated nodes.
    """
    keep = _nodes_of(B, "agency")
    G: nx.Graph[str] = bipartite.weighted_projected_graph(B, keep) if keep else nx.Graph()
    for n in G:
        G.nodes[n].update(B.nodes[n])
    return G


def measure_projection(B: nx.Graph[str]) -> nx.Graph[str]:
    """Measures linked when they share an agency; ``weight`` = agencies shared."""
    keep = _nodes_of(B, "measure")
    G: nx.Graph[str] = bipartite.weighted_projected_graph(B, keep) if keep else nx.Graph()
    for n in G:
        G.nodes[n].update(B.nodes[n])
    return G


class Centrality(TypedDict):
    """An agency's place in the co-responsibility network."""

    degree: float  # degree centrality (unweighted)
    betweenness: float  # betweenness centrality (unweighted)
    strength: int  # weighted degree: measures shared with others


def centralities(G: nx.Graph[str]) -> dict[str, Centrality]:
    """Degree and betweenness centrality (unweighted: a link is a link), and weighted degree.

    >>> G = nx.Graph([("a", "b", {"weight": 2}), ("b", "c", {"weight": 1})])
    >>> centralities(G)["b"]
    {'degree': 1.0, 'betweenness': 1.0, 'strength': 3}
    """
    degree = nx.degree_centrality(G) if len(G) > 1 else dict.fromkeys(G, 0.0)
    between = nx.betweenness_centrality(G)
    return {
        n: {
            "degree": round(degree[n], 6),
            "betweenness": round(between[n], 6),
            "strength": int(G.degree(n, weight="weight")),
        }
        for n in sorted(G)
    }


def communities(G: nx.Graph[str]) -> list[list[str]]:
    """Communities by greedy modularity maximisation (Clauset–Newman–Moore), weighted.

    Deterministic: numbered largest first, ties broken by their smallest member; isolated
    nodes form their own communities.

    >>> G = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "e")])
    >>> communities(G)
    [['a', 'b', 'c'], ['d', 'e']]
    """
    if G.number_of_edges() == 0:
        return [[n] for n in sorted(G)]
    H: nx.Graph[str] = nx.Graph()
    H.add_nodes_from(sorted(G))
    H.add_edges_from(sorted((min(u, v), max(u, v), d) for u, v, d in G.edges(data=True)))
    found = nx.community.greedy_modularity_communities(H, weight="weight")
    groups = [sorted(c) for c in found]
    return sorted(groups, key=lambda c: (-len(c), c[0]))


def _month(deadline: object) -> str:
    return str(deadline)[:7] if deadline else "none"


class RoleCounts(TypedDict):
    """Measures an agency leads, is co-responsible for, and either."""

    led: int
    responsible: int
    total: int


class Workload(TypedDict):
    """One agency's workload (see `workload`)."""

    agency: str  # IRI
    name: str  # canonical name (the tail of the IRI)
    label: str
    level: str
    collective: bool
    led: int
    responsible: int
    total: int
    degree: float
    betweenness: float
    strength: int
    community: int
    by_document: dict[str, RoleCounts]
    by_section: dict[str, RoleCounts]
    by_theme: dict[str, RoleCounts]
    by_month: dict[str, RoleCounts]


#: The breakdowns of a `Workload`, in order.
BREAKDOWNS = ("by_document", "by_section", "by_theme", "by_month")


def workload(store: SparqlStore, filters: Filters | None = None) -> list[Workload]:
    """Per agency: measures led, co-responsible and in total, broken down by document, section,
    theme and deadline month, with its place in the co-responsibility network.

    Busiest first (total, then led, then label). ``by_*`` maps a key (document id, section IRI
    tail, theme id, ``YYYY-MM`` or ``none``) to ``{"led": n, "responsible": n, "total": n}``.

    >>> import pyoxigraph as ox
    >>> store = ox.Store()
    >>> store.load(EXAMPLE_TRIG.encode(), format=ox.RdfFormat.TRIG)
    >>> [(w["label"], w["led"], w["responsible"], w["total"]) for w in workload(store)]
    [('局乙', 2, 1, 3), ('局甲', 2, 0, 2), ('各区政府', 0, 1, 1)]
    >>> workload(store)[0]["by_month"]  # doctest: +NORMALIZE_WHITESPACE
    {'2022-06': {'led': 0, 'responsible': 1, 'total': 1},
     'none': {'led': 2, 'responsible': 0, 'total': 2}}
    """
    B = bipartite_graph(store, filters)
    G = agency_projection(B)
    cent = centralities(G)
    community_of = {n: i + 1 for i, c in enumerate(communities(G)) for n in c}
    out: list[Workload] = []
    for a in _nodes_of(B, "agency"):
        per_dim: dict[str, dict[str, dict[str, set[str]]]] = {
            d: defaultdict(lambda: {"led": set(), "responsible": set(), "total": set()})
            for d in BREAKDOWNS
        }
        led: set[str] = set()
        resp: set[str] = set()
        for m in B[a]:
            roles = B.edges[a, m]["roles"]
            facts = B.nodes[m]
            keys = {
                "by_document": [short_id(str(facts.get("doc") or ""), "doc")],
                "by_section": [short_id(str(facts.get("section") or "none"), "section")],
                "by_theme": [short_id(t, "theme") for t in facts.get("themes") or []] or ["none"],
                "by_month": [_month(facts.get("deadline"))],
            }
            for dim, ks in keys.items():
                for k in ks:
                    for role in roles:
                        per_dim[dim][k]["led" if role == "lead" else role].add(m)
                    per_dim[dim][k]["total"].add(m)
            if "lead" in roles:
                led.add(m)
            if "responsible" in roles:
                resp.add(m)
        node = B.nodes[a]
        counts = {
            dim: {k: _role_counts(c) for k, c in sorted(table.items())}
            for dim, table in per_dim.items()
        }
        out.append(
            {
                "agency": a,
                "name": short_id(a, "agency"),
                "label": node["label"],
                "level": node["level"],
                "collective": node["collective"],
                "led": len(led),
                "responsible": len(resp),
                "total": B.degree(a),
                "degree": cent[a]["degree"],
                "betweenness": cent[a]["betweenness"],
                "strength": cent[a]["strength"],
                "community": community_of[a],
                "by_document": counts["by_document"],
                "by_section": counts["by_section"],
                "by_theme": counts["by_theme"],
                "by_month": counts["by_month"],
            }
        )
    return sorted(out, key=lambda r: (-r["total"], -r["led"], r["label"]))


def _role_counts(members: Mapping[str, set[str]]) -> RoleCounts:
    return {
        "led": len(members["led"]),
        "responsible": len(members["responsible"]),
        "total": len(members["total"]),
    }


_Row = TypeVar("_Row", bound=Mapping[str, object])


def busiest_agencies(rows: Iterable[_Row], n: int = 10, by: str = "total") -> list[_Row]:
    """The ``n`` agencies with most measures by ``by`` (``total``, ``led`` or ``responsible``).

    >>> busiest_agencies([{"label": "x", "led": 1}, {"label": "y", "led": 3}], 1, by="led")
    [{'label': 'y', 'led': 3}]
    """
    return sorted(rows, key=lambda r: (-_whole(r[by]), str(r["label"])))[:n]


def _whole(count: object) -> int:
    """A count as int (as `int()` reads it); TypeError for a value that is no number."""
    if isinstance(count, int | float | str):
        return int(count)
    raise TypeError(f"a count was expected, not {count!r}")


class Share(TypedDict):
    entries: int  # measure-agency-role entries
    collective: int  # of which name a collective body
    share: float  # collective / entries, rounded to 6 places


class CollectiveShare(Share):
    """The share of collective entries, overall and by role."""

    lead: Share
    responsible: Share


def collective_share(store: SparqlStore, filters: Filters | None = None) -> CollectiveShare:
    """The share of 牵头/责任单位 entries (measure–agency–role) that are collective bodies.

    Collective entries (各区政府, 各有关单位 …) are real entries, but they name no one body, so an
    analyst wants to know how much of the workload they hide.

    >>> import pyoxigraph as ox
    >>> store = ox.Store()
    >>> store.load(EXAMPLE_TRIG.encode(), format=ox.RdfFormat.TRIG)
    >>> collective_share(store)  # doctest: +NORMALIZE_WHITESPACE
    {'entries': 6, 'collective': 1, 'share': 0.166667,
     'lead': {'entries': 4, 'collective': 0, 'share': 0.0},
     'responsible': {'entries': 2, 'collective': 1, 'share': 0.5}}
    """
    agencies = agency_info(store)
    roles = measure_roles(store, filters)
    counts: Counter[tuple[str, bool]] = Counter()
    for _, a, role in roles:
        info = agencies.get(a)
        counts[role, info is not None and info["collective"]] += 1

    def share(role: str | None) -> Share:
        keep = [(r, c) for r, c in counts if role in (None, r)]
        total = sum(counts[k] for k in keep)
        coll = sum(counts[k] for k in keep if k[1])
        return {
            "entries": total,
            "collective": coll,
            "share": round(coll / total, 6) if total else 0.0,
        }

    overall = share(None)
    return {
        "entries": overall["entries"],
        "collective": overall["collective"],
        "share": overall["share"],
        "lead": share("lead"),
        "responsible": share("responsible"),
    }


def network_summary(store: SparqlStore, filters: Filters | None = None) -> dict[str, object]:
    """The co-responsibility network as JSON: nodes with figures, weighted edges, communities."""
    B = bipartite_graph(store, filters)
    G = agency_projection(B)
    cent = centralities(G)
    groups = communities(G)
    community_of = {n: i + 1 for i, c in enumerate(groups) for n in c}
    nodes = []
    for a in sorted(G):
        d = B.nodes[a]
        led = sum(1 for m in B[a] if "lead" in B.edges[a, m]["roles"])
        resp = sum(1 for m in B[a] if "responsible" in B.edges[a, m]["roles"])
        nodes.append(
            {
                "id": a,
                "name": short_id(a, "agency"),
                "label": d["label"],
                "level": d["level"],
                "collective": d["collective"],
                "led": led,
                "responsible": resp,
                "total": B.degree(a),
                **cent[a],
                "community": community_of[a],
            }
        )
    edges = [
        {"source": u, "target": v, "weight": int(w)}
        for u, v, w in sorted((min(u, v), max(u, v), d["weight"]) for u, v, d in G.edges(data=True))
    ]
    return {
        "filters": (filters or Filters()).as_params(),
        "measures": len(_nodes_of(B, "measure")),
        "nodes": nodes,
        "edges": edges,
        "communities": [{"id": i + 1, "members": c} for i, c in enumerate(groups)],
        "collective_share": collective_share(store, filters),
    }


#: The columns of `workload_rows`, in order.
WORKLOAD_FIELDS = [
    "agency",
    "label",
    "level",
    "collective",
    "dimension",
    "key",
    "led",
    "responsible",
    "total",
]


def workload_rows(
    store: SparqlStore, filters: Filters | None = None
) -> tuple[list[str], list[dict[str, object]]]:
    """The workload as tidy rows for CSV/JSONL export: one row per agency × dimension × key.

    ``dimension`` is ``all`` (key ``""``: the agency's totals), ``document``, ``section``,
    ``theme`` or ``month``; ``agency`` is the canonical Chinese name (the tail of its IRI), so a
    spreadsheet pivot gives any breakdown without re-querying.

    >>> import pyoxigraph as ox
    >>> store = ox.Store()
    >>> store.load(EXAMPLE_TRIG.encode(), format=ox.RdfFormat.TRIG)
    >>> names, rows = workload_rows(store)
    >>> names == WORKLOAD_FIELDS, rows[0]  # doctest: +NORMALIZE_WHITESPACE
    (True, {'agency': 'B', 'label': '局乙', 'level': 'city', 'collective': False,
            'dimension': 'all', 'key': '', 'led': 2, 'responsible': 1, 'total': 3})
    """
    rows: list[dict[str, object]] = []
    for w in workload(store, filters):
        base: dict[str, object] = {
            "agency": w["name"],
            "label": w["label"],
            "level": w["level"],
            "collective": w["collective"],
        }
        rows.append(
            {
                **base,
                "dimension": "all",
                "key": "",
                "led": w["led"],
                "responsible": w["responsible"],
                "total": w["total"],
            }
        )
        for dim, table in (
            ("document", w["by_document"]),
            ("section", w["by_section"]),
            ("theme", w["by_theme"]),
            ("month", w["by_month"]),
        ):
            for key, c in table.items():
                rows.append({**base, "dimension": dim, "key": key, **c})
    return list(WORKLOAD_FIELDS), rows

"""Human documentation generated from the ontology: one self-contained HTML page.

Analysts read the ontology here rather than in Turtle: every class, property and individual
with its Chinese and English labels, definitions, domain and range, super-properties,
inverse, characteristics and an example, then the theme tree with each theme's classifier
terms. The page is generated from ontology/reform.ttl and ontology/themes.ttl (one place per
fact), written by the build as build/ontology.html and served by the endpoint. No scripts,
fonts or styles are fetched: it works offline.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from reformkg.vocab import RK_NS, prefixes

__all__ = ["render"]

PREFIXES = prefixes(
    "rk", "owl", "rdf", "rdfs", "xsd", "skos", "dcterms", "prov", "org", "foaf", "th"
)
CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC",system-ui,sans-serif;margin:0;color:#1d2433;
  line-height:1.5;background:#fafbfc}
header{background:#1d3557;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.6rem 0 0}
header dt{opacity:.75} header dd{margin:0} header a{color:#cfe3ff}
nav{padding:.8rem 2rem;background:#eef2f7;border-bottom:1px solid #d6dde8}
nav a{margin-right:1.2rem}
main{padding:0 2rem 3rem;max-width:72rem}
h2{border-bottom:2px solid #1d3557;padding-bottom:.2rem;margin-top:2rem}
section.term{background:#fff;border:1px solid #dde3ec;border-radius:6px;padding:.6rem 1rem;
  margin:.8rem 0}
section.term h3{margin:.1rem 0 .3rem;font-size:1.1rem}
section.term h3 code{font-weight:normal;color:#5a6478;margin-left:.6rem;font-size:.85rem}
table.facts{border-collapse:collapse} table.facts th{text-align:left;padding:.1rem .8rem .1rem 0;
  color:#5a6478;font-weight:normal;vertical-align:top;white-space:nowrap}
table.facts td{padding:.1rem 0}
ul.tree{list-style:none;padding-left:1.2rem} ul.tree>li{margin:.4rem 0}
.terms{color:#5a6478;font-size:.85rem}
.tag{display:inline-block;background:#e7eef8;border-radius:3px;padding:0 .35rem;margin-right:.3rem;
  font-size:.8rem}
"""


def _curie(term: Node) -> str:
    text = str(term)
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns) :]}"
    return text


def _link(term: Node) -> str:
    curie = _curie(term)
    if curie.startswith("rk:"):
        return f'<a href="#{escape(curie[3:])}"><code>{escape(curie)}</code></a>'
    if curie.startswith("th:"):
        return f'<a href="#theme-{escape(curie[3:])}"><code>{escape(curie)}</code></a>'
    return f"<code>{escape(curie)}</code>"


def _lang(g: Graph, s: Node | None, p: URIRef, lang: str) -> str:
    """The first `lang` label of `s` (of any subject when `s` is None), or ""; "zh" matches
    zh-Hans and zh-Hant too (as SPARQL's langMatches does)."""
    values = sorted(
        str(o)
        for o in g.objects(s, p)
        if isinstance(o, Literal)
        and o.language
        and (o.language.lower() == lang or o.language.lower().startswith(lang + "-"))
    )
    return values[0] if values else ""


def _facts(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows if v)
    return f'<table class="facts">{body}</table>'


def _links(terms: list[Node]) -> str:
    return ", ".join(_link(t) for t in sorted(terms, key=str))


def _term_section(g: Graph, term: URIRef) -> str:
    local = str(term)[len(RK_NS) :]
    zh, en = _lang(g, term, RDFS.label, "zh"), _lang(g, term, RDFS.label, "en")
    kinds = sorted(
        _curie(k)
        for k in g.objects(term, RDF.type)
        if k
        not in (
            OWL.ObjectProperty,
            OWL.DatatypeProperty,
            OWL.AnnotationProperty,
            OWL.Class,
            OWL.NamedIndividual,
        )
    )
    chains = [
        " ∘ ".join(_curie(x) for x in Collection(g, c))
        for c in g.objects(term, OWL.propertyChainAxiom)
    ]
    inverse = list(g.objects(term, OWL.inverseOf)) + list(g.subjects(OWL.inverseOf, term))
    rows = [
        ("definition", escape(_lang(g, term, SKOS.definition, "en"))),
        ("定义", escape(_lang(g, term, SKOS.definition, "zh"))),
        ("subclass of", _links(list(g.objects(term, RDFS.subClassOf)))),
        ("subclasses", _links(list(g.subjects(RDFS.subClassOf, term)))),
        ("instance of", _links([k for k in g.objects(term, RDF.type) if str(k).startswith(RK_NS)])),
        ("sub-property of", _links(list(g.objects(term, RDFS.subPropertyOf)))),
        ("sub-properties", _links(list(g.subjects(RDFS.subPropertyOf, term)))),
        ("inverse", _links(inverse)),
        ("characteristics", ", ".join(escape(k) for k in kinds if k.startswith("owl:"))),
        (
            "property chain",
            "; ".join(f"<code>{escape(c)}</code> ⊑ <code>rk:{local}</code>" for c in chains),
        ),
        ("domain", _links(list(g.objects(term, RDFS.domain)))),
        ("range", _links(list(g.objects(term, RDFS.range)))),
        ("see also", _links(list(g.objects(term, RDFS.seeAlso)))),
        (
            "example",
            "<br>".join(
                f"<code>{escape(str(e))}</code>"
                for e in sorted(g.objects(term, SKOS.example), key=str)
            ),
        ),
    ]
    return (
        f'<section class="term" id="{escape(local)}"><h3>{escape(zh)} · {escape(en)}'
        f"<code>rk:{escape(local)}</code></h3>{_facts(rows)}</section>"
    )


def _terms_of(g: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(
        (
            s
            for s in set(g.subjects(RDF.type, kind))
            if isinstance(s, URIRef) and str(s).startswith(RK_NS)
        ),
        key=str,
    )


def _theme_tree(t: Graph) -> str:
    concepts = sorted(set(t.subjects(RDF.type, SKOS.Concept)), key=str)
    children: dict[Node, list[Node]] = {}
    for c in concepts:
        for b in t.objects(c, SKOS.broader):
            children.setdefault(b, []).append(c)
    tops = [c for c in concepts if (c, SKOS.broader, None) not in t]
    anchored: set[str] = set()  # a theme under two broader themes is listed twice, anchored once

    def item(c: Node, trail: tuple[Node, ...]) -> str:
        local = _curie(c).removeprefix("th:")
        zh, en = _lang(t, c, SKOS.prefLabel, "zh"), _lang(t, c, SKOS.prefLabel, "en")
        terms = sorted(str(x) for x in t.objects(c, SKOS.hiddenLabel))
        also = [b for b in t.objects(c, SKOS.broader) if not trail or b != trail[-1]]
        extra = f" (also under {_links(also)})" if also and trail else ""
        kids = sorted(children.get(c, []), key=str)
        sub = (
            "<ul class='tree'>" + "".join(item(k, (*trail, c)) for k in kids) + "</ul>"
            if kids and c not in trail
            else ""
        )
        anchor = "" if local in anchored else f' id="theme-{escape(local)}"'
        anchored.add(local)
        return (
            f"<li{anchor}><strong>{escape(zh)}</strong> · {escape(en)} "
            f"<code>th:{escape(local)}</code>{extra}<br>"
            f"{escape(_lang(t, c, SKOS.definition, 'en'))} "
            f"{escape(_lang(t, c, SKOS.definition, 'zh'))}"
            f"<div class='terms'>classifier terms: "
            f"{''.join(f'<span class=tag>{escape(x)}</span>' for x in terms) or '—'}</div>"
            f"{sub}</li>"
        )

    return "<ul class='tree'>" + "".join(item(c, ()) for c in tops) + "</ul>"


def render(ontology_path: Path, themes_path: Path) -> str:
    """The documentation page for ontology/reform.ttl and the theme scheme, as HTML text."""
    g = Graph()
    g.parse(Path(ontology_path), format="turtle")
    t = Graph()
    if themes_path and Path(themes_path).is_file():
        t.parse(Path(themes_path), format="turtle")
    onto = next(iter(sorted(g.subjects(RDF.type, OWL.Ontology), key=str)), None)
    title = _lang(g, onto, DCTERMS.title, "en") if onto else "ReformKG ontology"
    meta = [
        ("IRI", f"<code>{escape(str(onto))}</code>" if onto else ""),
        ("version IRI", f"<code>{escape(str(g.value(onto, OWL.versionIRI) or ''))}</code>"),
        ("version", escape(str(g.value(onto, OWL.versionInfo) or ""))),
        (
            "licence",
            f'<a href="{escape(str(g.value(onto, DCTERMS.license) or ""))}">'
            f"{escape(str(g.value(onto, DCTERMS.license) or ''))}</a>",
        ),
        ("creators", escape(", ".join(sorted(str(c) for c in g.objects(onto, DCTERMS.creator))))),
        ("namespace", f"<code>{RK_NS}</code> (prefix <code>rk:</code>)"),
    ]
    header = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta if v)
    groups = [
        ("classes", "Classes 类", OWL.Class),
        ("object-properties", "Object properties 对象属性", OWL.ObjectProperty),
        ("datatype-properties", "Datatype properties 数据属性", OWL.DatatypeProperty),
        ("annotation-properties", "Annotation properties 注释属性", OWL.AnnotationProperty),
        ("individuals", "Individuals 个体", OWL.NamedIndividual),
    ]
    body = []
    for anchor, heading, kind in groups:
        terms = _terms_of(g, kind)
        body.append(f'<h2 id="{anchor}">{heading} ({len(terms)})</h2>')
        body.extend(_term_section(g, term) for term in terms)
    n_themes = len(set(t.subjects(RDF.type, SKOS.Concept)))
    body.append(f'<h2 id="themes">Policy themes 政策主题 ({n_themes})</h2>')
    body.append(
        "<p>The SKOS scheme <code>https://w3id.org/reformkg/id/theme/scheme</code>. "
        "A measure is tagged with the most specific themes found; with inference it also "
        "has every broader theme (<code>rk:hasTheme ∘ skos:broader ⊑ rk:hasTheme</code>). "
        "The classifier terms are the concepts' <code>skos:hiddenLabel</code>s.</p>"
    )
    stops = sorted(
        str(x)
        for s in t.subjects(RDF.type, SKOS.ConceptScheme)
        for x in t.objects(s, SKOS.hiddenLabel)
    )
    if stops:
        body.append(
            "<p class='terms'>Stop phrases (hidden labels of the scheme: matched first, "
            "they name no theme and mask the shorter terms they contain): "
            + "".join(f"<span class=tag>{escape(x)}</span>" for x in stops)
            + "</p>"
        )
    body.append(_theme_tree(t))
    nav = "".join(f'<a href="#{a}">{escape(h)}</a>' for a, h, _ in groups)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)} · {escape(_lang(g, onto, DCTERMS.title, 'zh'))}</h1>"
        f"<p>{escape(_lang(g, onto, DCTERMS.description, 'en'))}</p><dl>{header}</dl></header>"
        f'<nav>{nav}<a href="#themes">Themes</a></nav>'
        f"<main>{''.join(body)}</main></body></html>\n"
    )

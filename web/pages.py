"""Serve time: pages for people: the query page (/), resource pages (/id/…, /resource), search.

Thin routes: each reads the store and settings from app.state, calls the read models
(`reformkg.graph.read.resources`, `.search`) and hands plain rows to a Jinja2 template
(autoescaped: a measure named <script> shows as text). Static assets are a Starlette
`StaticFiles` mount made by the app factory (`STATIC_DIR`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from reformkg import media
from reformkg.build_files import ONTOLOGY_PAGE, SOURCES_DIR
from reformkg.errors import QueryError, QueryTimeout, ReformKGError, RequestError
from reformkg.graph.query.named import list_queries
from reformkg.graph.query.store import SparqlStore
from reformkg.graph.read import rdf_out
from reformkg.graph.read import resources as res
from reformkg.graph.read import search as fts
from reformkg.graph.read.agency import agency_page
from reformkg.graph.read.deadlines import NOTE, STATUS_KEYS, parse_as_of
from reformkg.graph.read.measure_page import cross_batch, diff_html, has_markup, printed_line
from reformkg.graph.read.search_page import SearchPage, search_page
from reformkg.graph.read.terms import KINDS, LEVELS
from reformkg.script import normalise
from reformkg.settings import Settings
from reformkg.viz.assets import TEMPLATES as VIZ_TEMPLATES
from reformkg.vocab import ONTOLOGY_IRI
from reformkg.web import linked_data
from reformkg.web.deps import get_measure_rows, get_options, get_status_labels

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=[str(HERE / "templates"), str(VIZ_TEMPLATES)])
templates.env.globals.update(href=res.local_href, compact=res.compact, prefixes=res.PREFIXES)
# A query-string value: everything encoded (Jinja's urlencode keeps '/' and ':').
templates.env.filters["qs"] = lambda value: quote(str(value), safe="")

router = APIRouter()
#: Characters left as they are when a local URL goes into an HTTP header (which must be ASCII).
URL_SAFE = "/?&=%:;,+-._~"

# --------------------------------------------------------------------------- shared helpers


def _store(request: Request) -> SparqlStore:
    store: SparqlStore = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def labels(request: Request) -> dict[str, str]:
    """Labels of every IRI (for pages that link IRIs by their Chinese labels)."""
    return _labels(request)


def _labels(request: Request) -> dict[str, str]:
    """Labels of every IRI, computed once per app and kept on app.state."""
    state = request.app.state
    labels = getattr(state, "labels", None)
    if labels is None:
        labels = res.load_labels(_store(request))
        state.labels = labels
    return labels


def negotiate(accept: str | None, fmt: str | None) -> media.Media:
    """HTML or an RDF format for a resource (reformkg.media, kind "resource"); an unknown
    `format=` or an Accept header naming nothing offered gets the page (HTML)."""
    try:
        return media.negotiate("resource", accept, fmt)
    except media.NotAcceptable:
        return media.default("resource")


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A template of web/templates rendered in the app's layout (for the other page routes)."""
    return _page(request, name, context, status)


#: Paths that answer machines only: their errors stay JSON whatever the Accept header says.
_API_PATHS = ("/sparql", "/api/", "/healthz", "/openapi.json", "/static/", "/viz/assets/")


def wants_html(request: Request) -> bool:
    """True when a person asked for a page: `format=html`, or a browser's Accept header on a
    page or named question (the API paths and other formats keep the JSON error shape)."""
    fmt = (request.query_params.get("format") or "").lower()
    if request.url.path.startswith(_API_PATHS):
        return False
    if fmt:
        return fmt == "html"
    try:
        chosen = media.negotiate("table", request.headers.get("accept"), None)
    except media.NotAcceptable:
        return False
    return chosen.media_type == "text/html" and "text/html" in (request.headers.get("accept") or "")


_HEADINGS = {
    400: ("请求有误", "Bad request"),
    404: ("未找到", "Not found"),
    406: ("无法提供该格式", "Not acceptable"),
    503: ("暂时无法回答", "Unavailable"),
}


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """An error as one sentence in the app's layout (the page a browser shows)."""
    zh, en = _HEADINGS.get(status, ("出错了", "Error"))
    response = _page(
        request,
        "error.html",
        {"title": zh, "nav": "", "heading_zh": zh, "heading_en": en, "message": message},
        status=status,
    )
    response.headers.update(headers or {})
    return response


# --------------------------------------------------------------------------- query page, statics


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def query_page(request: Request) -> HTMLResponse:
    """The SPARQL editor; ?query= reopens (and runs) a shared query in the browser."""
    return _page(
        request,
        "query.html",
        {"title": "SPARQL 查询 Query", "nav": "query", "examples": _examples(_settings(request))},
    )


def _examples(settings: Settings) -> list[dict[str, Any]]:
    """The named queries with their text, embedded in the page (the /queries list has no text).

    Read through graph.named_queries, the same parser /queries uses; a malformed query file
    leaves the dropdown empty rather than breaking the page.
    """
    try:
        queries = list_queries(settings.queries_dir)
    except ReformKGError:
        return []
    return [{**q.summary(), "text": q.text} for q in queries]


@router.api_route("/ontology", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_docs(request: Request, format: str | None = None) -> Response:
    """The ontology: its documentation written by the build (build/ontology.html), or the
    ontology itself in an RDF format when the client asks for one (Accept or format=)."""
    rdf = linked_data.ontology_rdf(request, format)
    if rdf is not None:
        return rdf
    path = Path(_settings(request).build_dir) / ONTOLOGY_PAGE
    if not path.is_file():
        return _page(
            request,
            "not_found.html",
            {
                "title": "Not built",
                "what": "the ontology documentation",
                "hint": "Run `reformkg build` to write ontology.html.",
            },
            status=404,
        )
    style, body = ontology_parts(path.read_text(encoding="utf-8"))
    page = _page(
        request,
        "ontology.html",
        {"title": "本体 Ontology", "nav": "ontology", "style": style, "body": body},
    )
    page.headers["Vary"] = "Accept"
    return page


@router.api_route("/ontology/{version}", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_version(request: Request, version: str, format: str | None = None) -> Response:
    """The ontology's versionIRI: the same answers as /ontology while it is the current version."""
    if linked_data.version_iri(_store(request)) != f"{ONTOLOGY_IRI}/{version}":
        raise RequestError(404, f"no ontology version {version} here; the current one: /ontology")
    return ontology_docs(request, format)


_ONTOLOGY_TAGS = re.compile(r"<(/?)(header|nav|main)\b")


def ontology_parts(page: str) -> tuple[str, str]:
    """The build's ontology page as (its styles, its body), to show inside the app's layout:
    its own header, nav and main become classed blocks and its styles apply inside
    `.onto` only, so they cannot restyle the app's header."""
    style = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    body_match = re.search(r"<body[^>]*>(.*)</body>", page, re.S)
    body = body_match.group(1) if body_match else ""
    body = _ONTOLOGY_TAGS.sub(
        lambda m: "</div" if m.group(1) else f'<div class="onto-{m.group(2)}"', body
    )
    scoped = []
    for rule in re.findall(r"([^{}]+)\{([^{}]*)\}", style):
        selectors = []
        for sel in rule[0].split(","):
            sel = re.sub(r"^\s*(body)\b", "", sel.strip())
            sel = re.sub(r"\b(header|nav|main)\b", r".onto-\1", sel)
            selectors.append(f".onto {sel}".rstrip())
        scoped.append(f"{', '.join(selectors)} {{{rule[1]}}}")
    return "\n".join(scoped), body


@router.get(rdf_out.CONTEXT_PATH, include_in_schema=False)
def jsonld_context() -> Response:
    """The JSON-LD context every document of this server is compacted with (its prefixes)."""
    body = json.dumps({"@context": rdf_out.CONTEXT}, ensure_ascii=False, indent=1)
    return Response(
        body,
        media_type="application/ld+json; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# --------------------------------------------------------------------------- search


@router.get("/search", include_in_schema=True, summary="Full-text search over names and texts")
def search(
    request: Request,
    q: str = Query(
        "",
        description=f"Words to find (simplified or traditional characters): at most "
        f"{fts.MAX_CHARS} characters and {fts.MAX_TERMS} words",
    ),
    limit: int = Query(50, ge=1, le=500),
    kind: str | None = Query(None, description="Only this kind: measure, agency, theme, ..."),
    doc: str | None = Query(None, description="Only hits of this document (its id)"),
    theme: str | None = Query(None, description="Only measures with this theme (its id)"),
    place: str | None = Query(None, description="Only measures from this place (its label)"),
    sort: str = Query("relevance", description="relevance or date (latest document first)"),
    format: str | None = Query(None, description="json or html (default: from Accept)"),
) -> Response:
    """Ranked hits as JSON (Accept: application/json or format=json) or as an HTML page with
    facets by kind, document, theme and place.

    A query over the limits (400) or over the time budget (503) is the JSON error for JSON
    clients, and the search page saying so for people."""
    if sort not in ("relevance", "date"):
        raise RequestError(400, f"sort={sort!r} is not relevance or date")
    wants_json = (format or "").lower() == "json" or (
        not format and negotiate(request.headers.get("accept"), None).media_type != "text/html"
    )
    index = fts.get_index(request.app.state, _store(request))
    opts = get_options(request)
    chosen = {"kind": kind, "doc": doc, "theme": theme, "place": place}
    refused: ReformKGError | None = None
    try:
        fts.check_query(q)  # before any work is done
        found = search_page(
            index,
            get_measure_rows(request),
            opts,
            q,
            chosen,
            sort=sort,
            limit=limit,
            budget=_settings(request).search_timeout,
        )
    except (QueryError, QueryTimeout) as err:
        if wants_json:
            raise
        found, refused, q = SearchPage("", [], 0), err, ""
    if wants_json:
        results = [
            {
                **r.hit,
                "document_short_title": r.doc_short or None,
                "date": r.doc_date or None,
                "number": r.row.number if r.row else None,
                "lead_agencies": [n for n, _ in r.row.leads] if r.row else [],
                "themes": [t for t, _ in r.row.themes] if r.row else [],
            }
            for r in found.results
        ]
        return JSONResponse(
            {"query": q, "normalised": normalise(q), "count": len(results), "results": results}
        )
    return _page(
        request,
        "search.html",
        {
            "title": f"搜索：{q}" if q else "搜索 Search",
            "nav": "search",
            "q": q,
            "found": found,
            "chosen": chosen,
            "sort": sort,
            "limit": limit,
            "kinds": KINDS,
            "size": len(index),
            "statuses": get_status_labels(request),
            "today": dt.date.today(),
            "refused": str(refused) if refused else "",
        },
        status=refused.status if refused else 200,
    )


# --------------------------------------------------------------------------- resources


@router.api_route("/id/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
def resource_by_path(request: Request, path: str, format: str | None = None) -> Response:
    """Every data IRI https://w3id.org/reformkg/id/<path> resolves here."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        raw_text = raw.decode("latin-1")
        if raw_text.startswith("/id/"):
            path = raw_text[len("/id/") :]
    return _resource(request, res.iri_from_local_path(path), format)


@router.api_route("/resource", methods=["GET", "HEAD"], include_in_schema=False)
def resource_by_iri(request: Request, iri: str = "", format: str | None = None) -> Response:
    """Any IRI of the graph (ontology terms, graph names, external vocabularies) by ?iri=."""
    return _resource(request, iri.strip(), format)


def _resource(request: Request, iri: str, fmt: str | None) -> Response:
    store = _store(request)
    chosen = negotiate(request.headers.get("accept"), fmt)
    html = chosen.media_type == "text/html"
    vary = {"Vary": "Accept"}
    if not iri or not res.exists(store, iri):
        if not html:
            return Response(
                f"Unknown resource: {iri}\n",
                status_code=404,
                media_type="text/plain; charset=utf-8",
                headers=vary,
            )
        return _page(
            request,
            "not_found.html",
            {
                "title": "Not found",
                "what": iri or "(no IRI given)",
                "hint": "This IRI does not occur in the graph.",
            },
            status=404,
        )
    if not html:
        body = res.serialize(res.cbd(store, iri), chosen.rdf_format)
        return Response(body, media_type=media.content_type(chosen), headers=vary)
    page = _page(request, "resource.html", _resource_context(request, iri))
    page.headers["Vary"] = "Accept"
    page.headers["Link"] = _link_header(iri)
    return page


#: What a measure's or an agency's page shows in its own sections: left out of the generic
#: statements below them, so each fact is on the page once.
_SHOWN = {
    "measure": {
        "rdfs:label",
        "rk:inDocument",
        "rk:inSection",
        "rk:partOfItem",
        "rk:number",
        "rk:numberLabel",
        "rk:part",
        "rk:leadAgency",
        "rk:responsibleAgency",
        "rk:involvesAgency",
        "rk:sourcePlace",
        "rk:promotionScope",
        "rk:deadline",
        "rk:deadlineText",
        "rk:hasTheme",
        "rk:themeAssignment",
        "rk:practiceText",
        "rk:hasPracticePoint",
        "rk:effectText",
        "rk:evolvesFrom",
        "rk:evolvesInto",
        "rk:sameReformAs",
        "rk:relatedTo",
        "rk:sourceFile",
        "rk:lineStart",
        "rk:lineEnd",
        "rk:linkSource",
        "rk:linkTarget",
        "rk:hasMeasure",
        "rk:hasPart",
    },
    "agency": {
        "skos:prefLabel",
        "skos:altLabel",
        "rk:level",
        "rk:leads",
        "rk:responsibleFor",
        "rk:involvedIn",
        "rk:leadAgency",
        "rk:responsibleAgency",
        "rk:involvesAgency",
    },
}


def _not_shown(rows: list[res.PropertyRow], kind: str) -> list[res.PropertyRow]:
    shown = _SHOWN.get(kind, set())
    return [r for r in rows if res.compact(r.predicate) not in shown]


def _as_of_param(request: Request) -> dt.date:
    try:
        return parse_as_of(request.query_params.get("asOf"))
    except ValueError as err:
        raise RequestError(400, str(err)) from None


def _resource_context(request: Request, iri: str) -> dict[str, Any]:
    """Everything resource.html shows: the generic description plus extras for its type."""
    store, labels = _store(request), _labels(request)
    d = res.describe(store, iri, labels)
    types = res.type_iris(d)
    rk = res.RK
    ctx: dict[str, Any] = {
        "title": d.label,
        "nav": "",
        "d": d,
        "labels": labels,
        "kind": "other",
        "alternates": _alternates(iri),
        "usage": res.usage(store, iri),
        "statuses": get_status_labels(request),
        "note": NOTE,
    }
    from reformkg.web.lineage_routes import links_block

    summary = res.measure_summary(store, iri) if rk + "Measure" in types else {}
    if summary:  # a measure with the fields every measure has (else: the generic page)
        as_of = _as_of_param(request)
        row = get_measure_rows(request).get(iri)
        lines = res.source_lines(
            Path(_settings(request).build_dir) / SOURCES_DIR,
            str(summary.get("file") or ""),
            int(summary.get("start") or 0),
            int(summary.get("end") or -1),
        )
        ctx.update(
            kind="measure",
            summary=summary,
            row=row,
            as_of=as_of.isoformat(),
            status=row.status(as_of) if row else None,
            places=res.measure_list(store, iri, "sourcePlace"),
            scopes=res.measure_list(store, iri, "promotionScope"),
            themes=res.theme_evidence(store, iri),
            points=res.practice_points(store, iri),
            cross=cross_batch(store, iri),
            **links_block(request, iri),
            diff_html=diff_html,
            source=[(n, printed_line(line)) for n, line in lines],
            raw_source=lines if any(has_markup(line) for _, line in lines) else [],
        )
    elif types & {rk + "Agency", rk + "CollectiveAgency"}:
        opts = get_options(request)
        agency = next((a for a in opts.agencies if a.iri == iri), None)
        if agency is not None:
            as_of = _as_of_param(request)
            ctx.update(
                kind="agency",
                a=agency_page(get_measure_rows(request), opts, agency, as_of),
                as_of=as_of.isoformat(),
                status_keys=STATUS_KEYS,
                level_names=LEVELS,
            )
    elif rk + "Document" in types:
        ctx.update(kind="document", measures=res.document_contents(store, iri))
    elif res.PREFIXES["skos"] + "Concept" in types:
        ctx.update(kind="theme", measures=res.theme_measures(store, iri))
    kind = str(ctx["kind"])
    ctx["properties"] = _not_shown(d.properties, kind)
    ctx["incoming"] = _not_shown(d.incoming, kind)
    return ctx


def _link_header(iri: str) -> str:
    """`Link: <...?format=ttl>; rel="alternate"; type="text/turtle", ...` (ASCII, as HTTP wants)."""
    links = []
    for (_, url), fmt in zip(_alternates(iri), ("ttl", "jsonld", "nt"), strict=True):
        media_type = media.negotiate("resource", None, fmt).media_type
        links.append(f'<{quote(url, safe=URL_SAFE)}>; rel="alternate"; type="{media_type}"')
    return ", ".join(links)


def _alternates(iri: str) -> list[tuple[str, str]]:
    base = res.local_href(iri)
    sep = "&" if "?" in base else "?"
    return [
        ("Turtle", f"{base}{sep}format=ttl"),
        ("JSON-LD", f"{base}{sep}format=jsonld"),
        ("N-Triples", f"{base}{sep}format=nt"),
    ]

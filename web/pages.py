"""Serve time: pages for people: the query page (/), resource pages (/id/…, /resource), search.

Thin routes: each reads the store and settings from app.state, calls the read models
(`reformkg.graph.read.resources`, `.search`) and hands plain rows to a Jinja2 template
(autoescaped: a measure named <script> shows as text). Static assets are a Starlette
`StaticFiles` mount made by the app factory (`STATIC_DIR`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from reformkg import media
from reformkg.build_files import ONTOLOGY_PAGE, SOURCES_DIR
from reformkg.errors import ReformKGError, RequestError
from reformkg.graph.query.named import list_queries
from reformkg.graph.query.store import SparqlStore
from reformkg.graph.read import resources as res
from reformkg.graph.read import search as fts
from reformkg.settings import Settings
from reformkg.vocab import ONTOLOGY_IRI
from reformkg.web import linked_data

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
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


# --------------------------------------------------------------------------- query page, statics


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def query_page(request: Request) -> HTMLResponse:
    """The SPARQL editor; ?query= reopens (and runs) a shared query in the browser."""
    return _page(
        request,
        "query.html",
        {"title": "Query", "nav": "query", "examples": _examples(_settings(request))},
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
    return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})


@router.api_route("/ontology/{version}", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_version(request: Request, version: str, format: str | None = None) -> Response:
    """The ontology's versionIRI: the same answers as /ontology while it is the current version."""
    if linked_data.version_iri(_store(request)) != f"{ONTOLOGY_IRI}/{version}":
        raise RequestError(404, f"no ontology version {version} here; the current one: /ontology")
    return ontology_docs(request, format)


# --------------------------------------------------------------------------- search


@router.get("/search", include_in_schema=True, summary="Full-text search over names and texts")
def search(
    request: Request,
    q: str = Query("", description="Words to find (simplified or traditional characters)"),
    limit: int = Query(50, ge=1, le=500),
    kind: str | None = Query(None, description="Only this kind: measure, agency, theme, ..."),
    format: str | None = Query(None, description="json or html (default: from Accept)"),
) -> Response:
    """Ranked hits as JSON (Accept: application/json or format=json) or as an HTML page."""
    index = fts.get_index(request.app.state, _store(request))
    hits = index.search(q, limit=limit, kind=kind) if q.strip() else []
    results = [fts.hit_json(h) for h in hits]
    wants_json = (format or "").lower() == "json" or (
        not format and negotiate(request.headers.get("accept"), None).media_type != "text/html"
    )
    if wants_json:
        return JSONResponse(
            {"query": q, "normalised": fts.normalise(q), "count": len(results), "results": results}
        )
    return _page(
        request,
        "search.html",
        {
            "title": f"Search: {q}" if q else "Search",
            "nav": "search",
            "q": q,
            "results": results,
            "size": len(index),
        },
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
    }
    if rk + "Measure" in types:
        summary = res.measure_summary(store, iri)
        ctx.update(
            kind="measure",
            summary=summary,
            leads=res.agencies_in_printed_order(store, iri, "lead"),
            responsibles=res.agencies_in_printed_order(store, iri, "responsible"),
            places=res.measure_list(store, iri, "sourcePlace"),
            scopes=res.measure_list(store, iri, "promotionScope"),
            themes=res.theme_evidence(store, iri),
            points=res.practice_points(store, iri),
            related=res.related_measures(store, iri),
            source=res.source_lines(
                Path(_settings(request).build_dir) / SOURCES_DIR,
                str(summary.get("file") or ""),
                int(summary.get("start") or 0),
                int(summary.get("end") or -1),
            ),
        )
    elif types & {rk + "Agency", rk + "CollectiveAgency"}:
        ctx.update(kind="agency", measures=res.agency_measures(store, iri))
    elif rk + "Document" in types:
        ctx.update(kind="document", measures=res.document_contents(store, iri))
    elif res.PREFIXES["skos"] + "Concept" in types:
        ctx.update(kind="theme", measures=res.theme_measures(store, iri))
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

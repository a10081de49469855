"""The SPARQL 1.1 Protocol query operation at /sparql: read-only, bounded, negotiated.

One path for every request: read the query and dataset from GET parameters, a form body or a
direct `application/sparql-query` body; check it once (one query, no update, no SERVICE, no
graph outside this dataset, so the server never fetches a URL); pick the media type before any
work is done (406 early); run it in the query pool under the timeout; write the answer.
Errors are raised as `RequestError(status, message)` and turned into the one JSON error shape
by `web.app`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from reformkg import media
from reformkg.errors import RequestError
from reformkg.graph.query.jobs import QueryJob, Rendering
from reformkg.graph.query.pool import REFUSED
from reformkg.graph.query.sparql_text import code_for_calls, code_only, query_form
from reformkg.graph.query.store import Dataset
from reformkg.web.deps import get_dataset, get_runner, get_settings
from reformkg.web.service_description import describe_service

router = APIRouter()
GraphList = Annotated[list[str] | None, Query(alias="default-graph-uri")]
NamedList = Annotated[list[str] | None, Query(alias="named-graph-uri")]

FORM_TYPES = {"application/x-www-form-urlencoded", "application/x-www-url-form-urlencoded"}
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
)


@dataclass
class SparqlRequest:
    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    fmt: str | None
    inference: bool
    raw: bool = False


def _media_type(request: Request) -> tuple[str, str | None]:
    """The Content-Type without parameters, and its charset."""
    raw = request.headers.get("content-type", "")
    parts = [p.strip() for p in raw.split(";")]
    charset = None
    for p in parts[1:]:
        if p.lower().startswith("charset="):
            charset = p[8:].strip('"').lower()
    return parts[0].lower(), charset


def _decode(body: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise RequestError(415, f"the request body must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RequestError(400, f"the request body is not UTF-8 (byte {err.start})") from None


def _truthy(values: list[str]) -> bool:
    return bool(values) and values[-1].strip().lower() in {"1", "true", "yes", "on"}


async def read_request(request: Request) -> SparqlRequest:
    """The query and its dataset from any of the three ways the protocol allows."""
    params = list(request.query_params.multi_items())
    body_query: list[str] = []
    if request.method == "POST":
        kind, charset = _media_type(request)
        body = await request.body()
        if kind in FORM_TYPES:
            try:
                params += parse_qsl(
                    _decode(body, charset),
                    keep_blank_values=True,
                    strict_parsing=False,
                    errors="strict",
                )
            except UnicodeDecodeError:
                raise RequestError(400, "the form body is not UTF-8") from None
        elif kind == QUERY_TYPE:
            body_query = [_decode(body, charset)]
        elif kind == UPDATE_TYPE:
            raise RequestError(403, "updates are refused: this endpoint is read-only")
        elif not kind:
            raise RequestError(
                415,
                "a POST needs Content-Type application/sparql-query or "
                "application/x-www-form-urlencoded",
            )
        else:
            raise RequestError(
                415,
                f"unsupported Content-Type {kind}; use "
                "application/sparql-query or "
                "application/x-www-form-urlencoded",
            )

    def values(name: str) -> list[str]:
        return [v for k, v in params if k == name]

    if values("update") or values("using-graph-uri") or values("using-named-graph-uri"):
        raise RequestError(403, "updates are refused: this endpoint is read-only")
    queries = values("query") + body_query
    if len(queries) > 1:
        raise RequestError(400, f"{len(queries)} queries in one request; send exactly one")
    return SparqlRequest(
        query=queries[0] if queries else None,
        default_graphs=values("default-graph-uri"),
        named_graphs=values("named-graph-uri"),
        fmt=formats[-1] if (formats := values("format")) else None,
        inference=_truthy(values("inference")),
        raw=_truthy(values("raw")),
    )


_SERVICE = re.compile(r"(?<![?$:\w])SERVICE(?![\w:-])", re.I)
#: `SERVICE:name {`, glued: a prefixed name by the letter of the grammar, but pyoxigraph reads
#: the keyword SERVICE and the name `:name`. The sandbox stops the call; inside FILTER EXISTS or
#: MINUS, though, pyoxigraph 0.5 swallows the refused call's error (EXISTS true, MINUS removing
#: nothing) and would answer 200 as if nothing were wrong. Refused here with the rest, unless an
#: IRI is due there (GRAPH / FROM / FROM NAMED SERVICE:name, a graph's prefixed name).
_SERVICE_GLUED = re.compile(r"(?<![?$:\w])SERVICE:[^\s{}\x01]*[\s\x01]*\{", re.I)
_IRI_DUE = re.compile(r"(?<![?$:\w])(?:GRAPH|FROM|NAMED)[\s\x01]*$", re.I)
_FIRST_WORD = re.compile(
    r"(?<![?$:\w])("
    + "|".join(UPDATE_WORDS + ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"))
    + r")(?![\w:-])",
    re.I,
)
# Virtuoso extensions that reach outside the query: pragmas (DEFINE get:soft makes it fetch
# FROM graphs) and built-in/SQL functions such as bif:http_get. Harmless on pyoxigraph, which
# does not know them; refused everywhere so the external-server setup is as safe.
_PRAGMA = re.compile(r"(?<![?$:\w])DEFINE(?![\w:-])|(?<![?$:\w.-])(bif|sql):", re.I)
_VENDOR_IRI = re.compile(r"<[^>]*openlinksw\.com/schemas/(bif|sql)#", re.I)
_FROM = re.compile(r"(?<![?$:\w])FROM\s+(NAMED\s+)?", re.I)
#: Deepest nesting of (), {} and [] a query may have: pyoxigraph parses nested groups
#: recursively, and a query 10,000 levels deep used to crash its worker (500); named
#: questions nest 4 levels, hand-written queries rarely 20.
MAX_NESTING = 256
_PREFIX = re.compile(r"PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.I)
_PNAME = re.compile(r"([\w.-]*):([\w.%-]*)")


def nesting(code: str) -> int:
    """The deepest nesting of brackets in query code (comments, strings and IRIs blanked)."""
    depth = deepest = 0
    for char in code:
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth -= 1
    return deepest


def check_query(text: str) -> tuple[str | None, list[str], list[str]]:
    """The query form, and the graphs named by FROM and FROM NAMED.

    Refuses (403) updates and SERVICE before anything runs: a lexical scan over the query with
    strings, IRIs and comments blanked out, so a keyword inside a literal does not count. A
    query that is simply malformed gets the store parser's message later (400).
    """
    code = code_only(text)
    deepest = nesting(code)
    if deepest > MAX_NESTING:
        raise RequestError(
            400, f"the query nests {deepest} levels deep; at most {MAX_NESTING} are allowed"
        )
    first = _FIRST_WORD.search(code)
    if first and first.group(1).upper() in UPDATE_WORDS:
        raise RequestError(
            403, f"updates are refused ({first.group(1).upper()}): this endpoint is read-only"
        )
    calls = code_for_calls(text)
    if _SERVICE.search(calls) or any(
        not _IRI_DUE.search(calls, 0, glued.start()) for glued in _SERVICE_GLUED.finditer(calls)
    ):
        # the sandbox's own words (graph/query/pool.py): one answer whichever layer refuses
        raise RequestError(403, REFUSED)
    if _PRAGMA.search(code) or _VENDOR_IRI.search(text):
        raise RequestError(
            403,
            "server pragmas and built-in functions (DEFINE, bif:, sql:) "
            "are refused: this endpoint never fetches remote data",
        )
    prefixes = {m.group(1): m.group(2) for m in _PREFIX.finditer(text)}
    defaults: list[str] = []
    named: list[str] = []
    for match in _FROM.finditer(code):
        rest = text[match.end() :]
        if rest.startswith("<"):
            iri = rest[1 : rest.find(">")]
        else:
            pname = _PNAME.match(rest)
            if not pname or pname.group(1) not in prefixes:
                continue  # malformed: the parser will say where
            iri = prefixes[pname.group(1)] + pname.group(2)
        (named if match.group(1) else defaults).append(iri)
    return query_form(text), defaults, named


def plan(
    req: SparqlRequest, dataset: Dataset, base_iri: str, max_rows: int, max_bytes: int
) -> tuple[QueryJob, str]:
    """The QueryJob for a checked request, and its query form."""
    assert req.query is not None
    form, from_defaults, from_named = check_query(req.query)
    known = set(dataset.graphs)
    for iri in [*req.default_graphs, *req.named_graphs, *from_defaults, *from_named]:
        if iri not in known:
            raise RequestError(
                400,
                f"graph <{iri}> is not in this dataset (the endpoint never "
                "fetches remote data); see GET /sparql for the graphs",
            )
    job = QueryJob(
        query=req.query, max_rows=max_rows, max_bytes=max_bytes, base_iri=base_iri, dataset="all"
    )
    if req.default_graphs or req.named_graphs:
        job.default_graph, job.named_graphs = req.default_graphs, req.named_graphs
    elif from_defaults or from_named:
        job.from_query = True
    else:  # the endpoint's datasets: union of the asserted graphs, or of all graphs
        job.dataset = "all" if req.inference else "asserted"
    return job, form or "SELECT"


async def handle(request: Request) -> Response:
    if request.method not in {"GET", "POST"}:
        raise RequestError(
            405,
            f"{request.method} is not allowed on /sparql; use GET or POST",
            {"Allow": "GET, POST, OPTIONS"},
        )
    req = await read_request(request)
    dataset = get_dataset(request)
    if req.query is None:
        if request.method == "POST":
            raise RequestError(400, "no query: send query=… or an application/sparql-query body")
        return describe_service(request, dataset, req.fmt)
    endpoint = get_settings(request)
    base_iri = str(request.url_for("sparql_get"))
    job, form = plan(req, dataset, base_iri, endpoint.max_rows, endpoint.max_bytes)
    kind = "results" if form in {"SELECT", "ASK"} else "rdf"
    accept = request.headers.get("accept")
    try:
        chosen = media.negotiate(kind, accept, req.fmt)
    except media.NotAcceptable as err:
        raise RequestError(406, str(err)) from None
    # the worker writes whichever the query turns out to be: the other kind is the client's
    # choice too when it can be, else its default (the scan may mistake a query's form)
    other = "rdf" if kind == "results" else "results"
    try:
        second = media.negotiate(other, accept, req.fmt)
    except media.NotAcceptable:
        second = media.default(other)
    by_kind = {kind: chosen.media_type, other: second.media_type}
    job.rendering = Rendering(results=by_kind["results"], rdf=by_kind["rdf"], raw=req.raw)
    answer = await run_in_threadpool(get_runner(request).run, job)
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers["X-ReformKG-Truncated"] = f"answer cut at {answer.truncated}"
    return Response(answer.body, media_type=f"{answer.media_type}; charset=utf-8", headers=headers)


@router.get(
    "/sparql",
    name="sparql_get",
    summary="SPARQL 1.1 query (GET)",
    response_class=Response,
    responses={
        200: {
            "description": "Results (JSON, XML, CSV, TSV) or RDF (Turtle, "
            "N-Triples, JSON-LD, RDF/XML); without `query`, the service "
            "description"
        }
    },
)
async def sparql_get(
    request: Request,
    query: str | None = None,
    default_graph_uri: GraphList = None,
    named_graph_uri: NamedList = None,
    format: str | None = None,
    inference: bool = False,
    raw: bool = False,
) -> Response:
    """SPARQL 1.1 Protocol query operation via GET (`query=`), or the service description.

    `default-graph-uri` / `named-graph-uri` choose the dataset; `inference=true` adds the
    inferred graph to the default graph; `format=` overrides the Accept header; `raw=true`
    writes CSV values exactly (by default a cell a spreadsheet would run as a formula starts
    with an apostrophe).
    """
    return await handle(request)


@router.post(
    "/sparql",
    name="sparql_post",
    summary="SPARQL 1.1 query (POST)",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "string"},
                            "named-graph-uri": {"type": "string"},
                            "format": {"type": "string"},
                            "inference": {"type": "boolean"},
                            "raw": {"type": "boolean"},
                        },
                    }
                },
                "application/sparql-query": {"schema": {"type": "string"}},
            }
        }
    },
)
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query operation via POST (form-encoded or direct)."""
    return await handle(request)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    return await handle(request)

"""Named analyst questions over HTTP: /queries (the list) and /queries/{name} (one answer).

Thin routes over reformkg.graph.query.named: parameters come from the query string and are bound as
RDF terms by that module; the query runs in the same pool, under the same timeout and row cap,
as /sparql. Answers are JSON by default, or CSV, TSV and an HTML table (`format=` or Accept).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from reformkg import media
from reformkg.errors import QueryError, RequestError
from reformkg.graph.query.named import NamedQuery, Param, bind, job_for, list_queries, load_query
from reformkg.graph.query.sparql_text import inject_values
from reformkg.graph.read.options import resolve_params
from reformkg.graph.read.terms import column
from reformkg.web import pages
from reformkg.web.deps import get_options, get_runner, get_settings

router = APIRouter()
RESERVED = {"format", "inference", "download", "run", "raw"}


class ParameterInfo(BaseModel):
    name: str
    type: str
    default: str
    description: str


class QueryInfo(BaseModel):
    name: str
    title: str
    description: str
    parameters: list[ParameterInfo]


class QueryList(BaseModel):
    queries: list[QueryInfo]


class QueryAnswer(BaseModel):
    name: str
    title: str
    parameters: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


def _format(request: Request, fmt: str | None) -> media.Media:
    """JSON, CSV, TSV or HTML (reformkg.media, kind "table"): `format=` first, then Accept;
    JSON when the Accept header names nothing offered."""
    try:
        return media.negotiate("table", request.headers.get("accept"), fmt)
    except media.NotAcceptable as err:
        if fmt:
            raise RequestError(406, f"{err}") from None
        return media.default("table")


@router.get(
    "/queries",
    response_model=QueryList,
    summary="The named analyst questions",
    responses={200: {"content": {"text/html": {}}}},
)
def queries_index(request: Request, format: str | None = None) -> Any:
    """Every named query with its title, description and parameters (JSON or an HTML list)."""
    queries = list_queries(get_settings(request).queries_dir)
    if _format(request, format).names[0] == "html":
        return pages.page(
            request,
            "queries.html",
            {"title": "常用问题 Questions", "nav": "queries", "queries": queries},
        )
    return {"queries": [q.summary() for q in queries]}


@router.get(
    "/queries/{name}",
    response_model=QueryAnswer,
    summary="Run a named query",
    responses={
        200: {"content": {"text/csv": {}, "text/tab-separated-values": {}, "text/html": {}}},
        400: {"description": "Unknown query or parameter, or invalid value"},
    },
)
async def run_query(
    name: str,
    request: Request,
    format: str | None = None,
    inference: bool = False,
    raw: bool = False,
) -> Any:
    """Run a named query; its parameters are passed as `?name=value` (see /queries).

    CSV and TSV cells that a spreadsheet would run as formulas (= + - @ …) start with an
    apostrophe; `raw=true` gives the values exactly, for programs."""
    try:
        query: NamedQuery = load_query(get_settings(request).queries_dir, name)
    except QueryError as err:
        raise RequestError(404, str(err)) from None
    typed = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    chosen = _format(request, format)
    fmt = chosen.names[0]
    if fmt == "html":
        return await _question_page(request, query, typed, inference)
    values = resolve_params(get_options(request), query, typed)
    settings = get_settings(request)
    job = job_for(  # validates the values before a worker is taken
        query,
        values,
        inference=inference,
        max_rows=settings.max_rows,
        max_bytes=settings.max_bytes,
        table=fmt,
        shown=typed,
        raw=raw,
    )
    answer = await run_in_threadpool(get_runner(request).run, job)
    headers = {}
    if answer.truncated:
        headers["X-ReformKG-Truncated"] = f"answer cut at {answer.truncated}"
    body = answer.body
    if fmt != "json" and request.query_params.get("download"):
        # from the question's page, for a spreadsheet: a byte-order mark and the question's name
        headers["Content-Disposition"] = f'attachment; filename="{query.name}.{fmt}"'
        body = "\ufeff".encode() + body
    return Response(body, media_type=media.content_type(chosen), headers=headers)


def _shown(p: Param, typed: dict[str, str]) -> str:
    """A parameter's value as the analyst reads it (today's date rather than "today")."""
    value = typed.get(p.name, p.default) or ""
    return dt.date.today().isoformat() if p.type == "date" and value == "today" else value


def _inputs(query: NamedQuery, typed: dict[str, str]) -> list[dict[str, Any]]:
    """One form field per parameter: its widget, the value shown and the value's choices."""
    out = []
    for p in query.params:
        value = _shown(p, typed)
        widget = {
            "date": "date",
            "integer": "number",
            "decimal": "number",
            "doc": "select",
            "theme": "select",
            "place": "select",
            "agency": "agency",
        }.get(p.type, "text")
        out.append({"param": p, "value": value or "", "widget": widget})
    return out


async def _question_page(
    request: Request, query: NamedQuery, typed: dict[str, str], inference: bool
) -> HTMLResponse:
    """The question as a page: a form per parameter, and the answer once asked (or with the
    defaults); a bad value is one sentence above the form, never raw JSON."""
    opts = get_options(request)
    known = {p.name for p in query.params}
    error = ""
    answer: dict[str, Any] | None = None
    try:
        unknown = sorted(set(typed) - known - {"run", "download"})
        if unknown:
            raise QueryError(f"{query.name} has no parameter {', '.join(unknown)}")
        values = resolve_params(opts, query, {k: v for k, v in typed.items() if k in known})
        substitutions = bind(query, values)
        settings = get_settings(request)
        job = job_for(
            query,
            values,
            inference=inference,
            max_rows=settings.max_rows,
            max_bytes=settings.max_bytes,
            table="json",
        )
        table = json.loads((await run_in_threadpool(get_runner(request).run, job)).body)
        answer = {
            "columns": table["columns"],
            "rows": table["rows"],
            "truncated": table["truncated"],
            "editor": inject_values(query.text, substitutions),
            "used": [
                (p, _shown(p, typed), values.get(p.name, p.default) or "") for p in query.params
            ],
        }
    except QueryError as err:
        error = str(err)
    downloads = urlencode({k: v for k, v in typed.items() if k in known})
    return pages.page(
        request,
        "question.html",
        {
            "title": query.title,
            "nav": "queries",
            "query": query,
            "inputs": _inputs(query, typed),
            "opts": opts,
            "answer": answer,
            "error": error,
            "downloads": downloads,
            "column": column,
            "labels": pages.labels(request),
            "inference": inference,
        },
        status=400 if error else 200,
    )

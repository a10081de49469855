"""Named analyst questions over HTTP: /queries (the list) and /queries/{name} (one answer).

Thin routes over reformkg.graph.query.named: parameters come from the query string and are bound as
RDF terms by that module; the query runs in the same pool, under the same timeout and row cap,
as /sparql. Answers are JSON by default, or CSV, TSV and an HTML table (`format=` or Accept).
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from reformkg import media
from reformkg.errors import QueryError, RequestError
from reformkg.graph.query.named import (
    NamedQuery,
    bind,
    job_for,
    list_queries,
    load_query,
    rows,
    shown_columns,
)
from reformkg.spreadsheet import write_table
from reformkg.web.deps import get_runner, get_settings

router = APIRouter()
RESERVED = {"format", "inference", "raw"}


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


def _table_html(title: str, description: str, columns: list[str], body: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    trs = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in body
    )
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(description)}</p><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{trs}</tbody></table></body></html>"
    )


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
        body = [
            [
                q.name,
                q.title,
                q.description,
                "; ".join(f"{p.name} ({p.type}) = {p.default or '—'}" for p in q.params),
            ]
            for q in queries
        ]
        return HTMLResponse(
            _table_html(
                "Named queries",
                "Run one at /queries/{name}",
                ["name", "title", "description", "parameters"],
                body,
            )
        )
    return {"queries": [q.summary() for q in queries]}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
    values = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    chosen = _format(request, format)
    fmt = chosen.names[0]
    bind(query, values)  # validate before taking a worker
    job = job_for(query, values, inference=inference, max_rows=get_settings(request).max_rows)
    outcome = await run_in_threadpool(get_runner(request).run, job)
    plain = rows(outcome)
    columns = shown_columns(query, plain, outcome.variables, job.substitutions)
    table = [{c: r[c] for c in columns} for r in plain]
    headers = {"X-ReformKG-Truncated": "true"} if outcome.truncated else {}
    if fmt == "json":
        bound = {p.name: values.get(p.name, p.default) or None for p in query.params}
        return JSONResponse(
            {
                "name": query.name,
                "title": query.title,
                "parameters": bound,
                "columns": columns,
                "rows": table,
                "truncated": outcome.truncated,
            },
            headers=headers,
        )
    cells = [[_cell(r[c]) for c in columns] for r in table]
    if fmt == "html":
        return HTMLResponse(
            _table_html(query.title, query.description, columns, cells), headers=headers
        )
    text = write_table(
        columns,
        cells,
        delimiter="," if fmt == "csv" else "\t",
        lineterminator="\r\n" if fmt == "csv" else "\n",
        raw=raw,
    )
    return Response(text, media_type=media.content_type(chosen), headers=headers)

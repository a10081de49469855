"""Named analyst questions: the `queries/*.rq` files, their header, and safe parameter binding.

Each file starts with a comment header::

    # title: 截至某日逾期的举措
    # title-en: Overdue measures as of a date
    # description: 中文说明 …
    # description-en: ...
    # param: asOf: date = today | 截至日期。The reference date (YYYY-MM-DD).

Titles and descriptions are Chinese first (the analysts' language), with the English in the
`-en` lines. A date parameter's default `today` is the day the question is asked.

A parameter is a SPARQL variable of the query. Its value is turned into an RDF term (an IRI
minted by reformkg.vocab for agency/theme/place/doc/scope, a typed literal otherwise) and
bound in a VALUES block written by pyoxigraph's own term serialiser (`job_for`), so no value
can change the query. An empty default means "not bound": the variable then matches anything.

Used by the web routes (/queries), the CLI (`reformkg query`) and the benchmark (`run_named`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypedDict

import pyoxigraph as ox

from reformkg import vocab as ns
from reformkg.errors import QueryError
from reformkg.graph.query.jobs import MAX_BYTES, MAX_ROWS, QueryJob, Rendering, TableSpec
from reformkg.graph.query.results import rows_of
from reformkg.graph.query.sparql_text import inject_values
from reformkg.graph.query.store import Row, SparqlStore, TermTuple, solutions, to_tuple
from reformkg.graph.query.worker import dataset_options
from reformkg.script import to_simplified

__all__ = ["NamedQuery", "Param", "bind", "job_for", "list_queries", "load_query", "run_named"]

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = (
    "string",
    "text",
    "integer",
    "decimal",
    "date",
    "iri",
    "agency",
    "theme",
    "place",
    "doc",
    "scope",
)
_MINT = {
    "agency": ns.agency_iri,
    "theme": ns.theme_iri,
    "place": ns.place_iri,
    "doc": ns.document_iri,
    "scope": ns.scope_iri,
}
_HEADER = re.compile(r"^#\s*(title-en|title|description-en|description|param):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*:\s*(\w+)\s*=\s*(.*?)\s*\|\s*(.*)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str
    description: str

    @property
    def required(self) -> bool:
        return False  # every parameter has a default; an empty default leaves it unbound


class ParamSummary(TypedDict):
    name: str
    type: str
    default: str
    description: str


class QuerySummary(TypedDict):
    """A named query as /queries lists it (without its text)."""

    name: str
    title: str
    title_en: str
    description: str
    description_en: str
    parameters: list[ParamSummary]


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    text: str = ""
    path: Path | None = None
    title_en: str = ""
    description_en: str = ""

    def summary(self) -> QuerySummary:
        """The query as JSON for /queries (without its text)."""
        return {
            "name": self.name,
            "title": self.title,
            "title_en": self.title_en,
            "description": self.description,
            "description_en": self.description_en,
            "parameters": [
                {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                for p in self.params
            ],
        }


def parse_query_file(path: Path) -> NamedQuery:
    """Read one .rq file; a file without title or with a malformed param line is an error."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _HEADER.match(line.strip())
        if not line.startswith("#"):
            break
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group(2) not in PARAM_TYPES:
                raise QueryError(
                    f"{path.name}:{number}: bad param line (want "
                    f"'name: type = default | description', type one of "
                    f"{', '.join(PARAM_TYPES)})"
                )
            params.append(Param(*pm.groups()))
        else:
            fields[key] = value.strip()
    if "title" not in fields:
        raise QueryError(f"{path.name}: no '# title:' header line")
    return NamedQuery(
        path.stem,
        fields["title"],
        fields.get("description", ""),
        tuple(params),
        text,
        path,
        fields.get("title-en", ""),
        fields.get("description-en", ""),
    )


def list_queries(queries_dir: Path) -> list[NamedQuery]:
    """Every named query, sorted by name."""
    return [parse_query_file(p) for p in sorted(Path(queries_dir).glob("*.rq"))]


def load_query(queries_dir: Path, name: str) -> NamedQuery:
    """One named query by name; QueryError naming the known ones when it does not exist."""
    path = Path(queries_dir) / f"{name}.rq"
    if not _NAME.match(name) or not path.is_file():
        known = ", ".join(q.name for q in list_queries(queries_dir))
        raise QueryError(f"no named query {name!r}; known: {known}")
    return parse_query_file(path)


def to_term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for a parameter value (QueryError naming the parameter when invalid)."""
    value = value.strip()
    try:
        if param.type in _MINT:
            if value.startswith(str(ns.ID)):
                return ox.NamedNode(value)
            # canonical names are in simplified characters: 市場監督管理局 names the same body
            return ox.NamedNode(str(_MINT[param.type](to_simplified(value))))
        if param.type == "iri":
            if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value):
                raise ValueError("not an http(s) IRI")
            return ox.NamedNode(value)
        if param.type == "date":
            day = dt.date.today() if value == "today" else dt.date.fromisoformat(value)
            return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
        if param.type == "integer":
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if param.type == "decimal":
            return ox.Literal(str(Decimal(value)), datatype=ox.NamedNode(XSD + "decimal"))
        if param.type == "text":
            # Chinese text to find: the documents print simplified characters (破產 → 破产)
            return ox.Literal(to_simplified(value))
        return ox.Literal(value)
    except (ValueError, InvalidOperation) as err:
        raise QueryError(
            f"parameter {param.name}={value!r} is not a valid {param.type}: {err}"
        ) from None


def bind(query: NamedQuery, values: dict[str, str] | None = None) -> dict[str, TermTuple]:
    """Substitutions for the query: given values over defaults; unknown names are an error."""
    values = dict(values or {})
    known = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise QueryError(
            f"{query.name} has no parameter {', '.join(unknown)}; it takes "
            f"{', '.join(known) or 'none'}"
        )
    out: dict[str, TermTuple] = {}
    for param in query.params:
        value = values.get(param.name, param.default)
        if value is None or value.strip() == "":
            continue
        out[param.name] = to_tuple(to_term(param, value))
    return out


def job_for(
    query: NamedQuery,
    values: dict[str, str] | None = None,
    *,
    inference: bool = False,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    table: str | None = None,
    shown: dict[str, str] | None = None,
    raw: bool = False,
) -> QueryJob:
    """The QueryJob that runs a named query on the endpoint's asserted-only dataset, or on the
        dataset with inference; `table` (json, csv, tsv) asks for the answer as /queries writes it,
        `shown` being the values as the client typed them (before names became IRIs); `raw`: CSV and
    TSV cells exactly as they are (reformkg.spreadsheet).

        The values are bound as a VALUES block opening the query (`inject_values`, each term
        written by pyoxigraph's N-Triples serialiser, so no value can change the query), not by
        SEP-0007 substitution: pyoxigraph's optimiser sees a VALUES block and not a substitution,
        and at 100× measures-by-theme took 557 ms substituted and 5.8 ms with VALUES, the same rows
        (tests/test_named_queries.py checks every question answers alike both ways)."""
    bound = bind(query, values)
    spec = None
    if table is not None:
        given = dict(values or {}) if shown is None else shown
        spec = TableSpec(
            fmt=table,
            name=query.name,
            title=query.title,
            parameters={p.name: given.get(p.name, p.default) or None for p in query.params},
            params=tuple(p.name for p in query.params),
            bound=tuple(bound),
        )
    return QueryJob(
        query=inject_values(query.text, bound),
        rendering=Rendering(table=spec, raw=raw) if spec else Rendering(raw=raw),
        max_rows=max_rows,
        max_bytes=max_bytes,
        dataset="all" if inference else "asserted",
    )


def shown_columns(
    query: NamedQuery,
    outcome_rows: list[Row],
    variables: list[str],
    bound: dict[str, TermTuple],
) -> list[str]:
    """The columns worth showing: a parameter's column is dropped when it only echoes the value
    given (bound) or is empty (unbound and unused); the queries project their parameters, so
    they are there in the answer. (The workers apply the same rule to /queries answers:
    reformkg.graph.query.results.shown_columns.)"""
    params = {p.name for p in query.params}

    def echo(v: str) -> bool:
        return v in bound or all(r.get(v) is None for r in outcome_rows)

    return [v for v in variables if v not in params or not echo(v)]


def run_named(
    store: SparqlStore,
    name: str,
    params: dict[str, str] | None,
    queries_dir: Path,
    *,
    inference: bool = False,
) -> list[Row]:
    """Run a named query in this process and return its rows (for the CLI, the benchmark and
    scripts; the web app runs the same job in its query pool under the limits)."""
    query = load_query(queries_dir, name)
    job = job_for(query, params, inference=inference)
    answer = solutions(store.query(job.query, **dataset_options(store, job)))  # type: ignore[arg-type]
    variables, values = rows_of(answer)
    return [dict(zip(variables, row, strict=True)) for row in values]

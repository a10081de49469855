"""Ground: the one error tree. Each kind carries its exit code (CLI) and HTTP status (web).

An error a user can act on is a `ReformKGError`: one readable line that names the file and
line, the parameter or the option, never a traceback. The CLI prints it and exits with
`exit_code`; the web app answers it with `status` in the one JSON error shape
{"error": {"status", "type", "message"}}, `kind` being the "type".

    ReformKGError            exit 2  HTTP 500  error
    ├── InputError           exit 2           a document or the manifest (file:line)
    ├── BuildMissing         exit 2  HTTP 503  no build output where one was expected
    │   └── BuildInvalid     exit 2  HTTP 503  bad-build: a build cut short or changed since
    ├── ValidationFailed     exit 1           the built graph violates the SHACL shapes
    ├── QueryError           exit 3  HTTP 400  bad-parameter: a malformed or refused query
    │   └── QuerySyntaxError exit 3  HTTP 400  syntax-error: what the SPARQL parser said
    ├── QueryTimeout         exit 3  HTTP 503  timeout: the query ran too long and was stopped
    ├── QueryMemory          exit 3  HTTP 503  memory-limit: the query needed too much memory
    ├── PoolBusy             exit 3  HTTP 503  busy: no worker free now (with Retry-After)
    ├── QueryFailed          exit 3  HTTP 500  query-failed: the store failed on the query
    └── RequestError         exit 2  HTTP <status>  a request the endpoint refuses as it is
"""

from __future__ import annotations

__all__ = [
    "BuildInvalid",
    "BuildMissing",
    "InputError",
    "PoolBusy",
    "QueryError",
    "QueryFailed",
    "QueryMemory",
    "QuerySyntaxError",
    "QueryTimeout",
    "ReformKGError",
    "RequestError",
    "ValidationFailed",
]


class ReformKGError(Exception):
    """An error the user can act on; printed as one line, never as a traceback."""

    exit_code = 2
    status = 500
    kind = "error"

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers to send with the error (e.g. Allow, Retry-After)."""
        return {}


class InputError(ReformKGError):
    """A source document or the manifest cannot be read as it is (names the file and line)."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.message = file, line, message


class BuildMissing(ReformKGError):
    """There is no usable build output where one was expected (says how to make one)."""

    status = 503
    kind = "no-build"


class BuildInvalid(BuildMissing):
    """The build folder does not match its manifest: a file missing, cut short or changed (the
    message names it); never served or read as if it were whole."""

    kind = "bad-build"


class ValidationFailed(ReformKGError):
    """The built graph violates the SHACL shapes."""

    exit_code = 1


class QueryError(ReformKGError):
    """A query or one of its parameters is malformed or refused (names the parameter)."""

    exit_code = 3
    status = 400
    kind = "bad-parameter"


class QuerySyntaxError(QueryError):
    """The SPARQL parser refused the query; the message says where (line and column)."""

    kind = "syntax-error"


class QueryTimeout(ReformKGError):
    """The query ran longer than the configured limit; its worker process was stopped."""

    exit_code = 3
    status = 503
    kind = "timeout"


class QueryMemory(ReformKGError):
    """The query needed more memory than a worker may use; its worker process was stopped."""

    exit_code = 3
    status = 503
    kind = "memory-limit"


class PoolBusy(ReformKGError):
    """Every query worker is taken (or the line for one is full): answered at once with
    Retry-After rather than after the time limit."""

    exit_code = 3
    status = 503
    kind = "busy"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class QueryFailed(ReformKGError):
    """The store raised an error other than a syntax error while running the query."""

    exit_code = 3
    status = 500
    kind = "query-failed"


#: HTTP status → the error "type" of a RequestError.
REQUEST_KINDS = {
    400: "bad-request",
    403: "refused",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "too-large",
    414: "too-large",
    415: "unsupported-media-type",
}


class RequestError(ReformKGError):
    """A request the endpoint answers with an HTTP error status and one readable message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.kind = REQUEST_KINDS.get(status, "bad-request")
        self.message = message
        self._headers = dict(headers or {})

    @property
    def headers(self) -> dict[str, str]:
        return self._headers

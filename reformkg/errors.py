"""A small error hierarchy: each kind maps to a readable message and its own exit code."""

from __future__ import annotations


class ReformKGError(Exception):
    """An error the user can act on; printed as one line, never as a traceback."""

    exit_code = 2


class InputError(ReformKGError):
    """A source document or the manifest cannot be read as it is (names the file and line)."""

    exit_code = 2

    def __init__(self, file: str, line: int | None, message: str) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.message = file, line, message


class ValidationFailed(ReformKGError):
    """The built graph violates the SHACL shapes."""

    exit_code = 1


class QueryError(ReformKGError):
    """A query is malformed or refused (names the parameter)."""

    exit_code = 3

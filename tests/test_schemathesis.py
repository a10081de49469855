"""A bounded schemathesis run against the app's OpenAPI description, over real HTTP.

Property-based requests (fixed seed, 25 per operation) to the JSON endpoints of the endpoint
capability: /healthz, /sparql (GET and POST), /queries and /queries/{name}. The checks are
schemathesis' defaults: no 5xx, status codes and content types the description declares, JSON
bodies that match the declared schemas. Left out: "schema-valid data must be accepted", since
a SPARQL query is a string whose grammar no JSON schema states (`query=\\` is a valid string
and a syntax error, rightly 400). (schemathesis.pytest.from_fixture does not run under
this pytest, so the operations are driven through hypothesis directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

OPERATIONS = r"^/(healthz|sparql|queries)"


@pytest.fixture(scope="module")
def operations(live_server: str) -> list:
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    schema = schema.include(path_regex=OPERATIONS)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_json_endpoints_are_described(operations: list) -> None:
    described = {(op.method.upper(), op.path) for op in operations}
    assert {
        ("GET", "/healthz"),
        ("GET", "/sparql"),
        ("POST", "/sparql"),
        ("GET", "/queries"),
        ("GET", "/queries/{name}"),
    } <= described


def test_api_conforms_to_its_description(operations: list) -> None:
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as err:  # noqa: BLE001 - every operation's failure is reported
            failures.append(f"{operation.method.upper()} {operation.path}: {err}")
    assert not failures, "\n\n".join(failures)

"""Fuzzing the JSON API from the OpenAPI document it serves (schemathesis on hypothesis).

Shared by the CI test (`tests/security/test_api_fuzz.py`, a few examples per operation) and the
bench (`bench/fuzz_api.py`, thousands of requests). Every generated request goes through the
Flask app in-process (WSGI) with a personal API token holding every scope, acting as a PCA
supervisor of a directorate with open cases, so the handlers run past authentication:

- positive: requests the document allows (the handlers must answer as documented);
- negative: requests the document forbids (wrong types, out-of-range numbers, malformed
  bodies): these must be refused with a documented 4xx, never a 5xx;
- known ids: positive requests on the ids of real tasks, cases and declarations, so task forms,
  claims and reassignments reach the services with generated fields.

Each response is checked: no 5xx, status documented for the operation, content type documented,
JSON body valid against the documented schema. A failure is recorded (operation, check, the
request) and the run goes on, so one run lists every distinct problem.
"""
from __future__ import annotations

import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)
from sqlalchemy.orm import Session

from audit_app.auth.service import TOKEN_SCOPES, issue_api_token
from audit_app.models import AuditCase, OpenTask, User

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MODES = ("positive", "negative", "known_ids")
# The OpenAPI description itself is static; fuzzing it only spends requests.
SKIPPED = {"GET /api/v1/openapi.json", "GET /api/v1/docs"}


@dataclass
class Known:
    """Ids of real rows for the `known_ids` mode."""
    task_ids: list[str]
    case_ids: list[int]
    gd_numbers: list[str]


@dataclass
class FuzzResult:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    requests_by_operation: Counter = field(default_factory=Counter)
    # operation -> distinct problem -> one request that shows it
    failures: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def as_json(self) -> dict[str, Any]:
        return {"requests": self.requests, "server_errors_5xx": self.server_errors,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "requests_by_operation": dict(sorted(self.requests_by_operation.items())),
                "failures_by_operation": {op: len(f) for op, f in sorted(self.failures.items())},
                "failures": {op: f for op, f in sorted(self.failures.items())}}

    def problems(self) -> list[str]:
        return [f"{op}: {problem}\n    {example}" for op, found in sorted(self.failures.items())
                for problem, example in found.items()]


def personal_token(session: Session, user: User) -> str:
    """A token with every scope, acting as `user` (whose roles still decide)."""
    _, plain = issue_api_token(session, "fuzzing", list(TOKEN_SCOPES), user=user)
    session.commit()
    return plain


def known_ids(session: Session) -> Known:
    from sqlalchemy import select

    from audit_app.models import Declaration
    return Known(task_ids=list(session.scalars(select(OpenTask.task_id))),
                 case_ids=list(session.scalars(select(AuditCase.id))),
                 gd_numbers=list(session.scalars(select(Declaration.gd_number).limit(20))))


def load_schema(app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def operations(schema: Any) -> list[Any]:
    return [r.ok() for r in schema.get_all_operations() if r.ok().label not in SKIPPED]


def _path_values(op: Any, known: Known) -> st.SearchStrategy[dict[str, Any]] | None:
    names = {p.name for p in op.path_parameters}
    if not names:
        return None
    choices: dict[str, st.SearchStrategy[Any]] = {}
    if "task_id" in names and known.task_ids:
        choices["task_id"] = st.sampled_from(known.task_ids)
    if "case_id" in names and known.case_ids:
        choices["case_id"] = st.sampled_from(known.case_ids)
    if "gd_number" in names and known.gd_numbers:
        choices["gd_number"] = st.sampled_from(known.gd_numbers)
    return st.fixed_dictionaries(choices) if len(choices) == len(names) else None


def _describe(case: Any) -> str:
    query = f"?{case.query}" if case.query else ""
    body = case.body if case.body is not NOT_SET else None
    text = repr(body)
    return f"{case.method} {case.formatted_path}{query} body={text[:300]}"


def _problem(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(sorted({_problem(e) for e in exc.exceptions}))
    title = getattr(exc, "title", None)
    if title:  # a schemathesis check failure: its title names the check
        return f"{title}: {str(getattr(exc, 'message', '') or '').splitlines()[0][:200]}"
    # An exception the app let escape (TESTING propagates them): a server error.
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    return f"Server error: {type(exc).__name__}: {str(exc)[:200]}{where}"


def fuzz(schema: Any, headers: dict[str, str], known: Known, *, examples: int,
         modes: tuple[str, ...] = MODES, seed: int | None = 0,
         result: FuzzResult | None = None) -> FuzzResult:
    """Run up to `examples` generated requests per operation and mode; returns the tally."""
    result = result or FuzzResult()
    for op in operations(schema):
        for mode in modes:
            if mode == "known_ids":
                paths = _path_values(op, known)
                if paths is None:
                    continue
                strategy = paths.flatmap(lambda values, op=op: op.as_strategy(
                    generation_mode=GenerationMode.POSITIVE, path_parameters=values))
            else:
                generation = (GenerationMode.POSITIVE if mode == "positive"
                              else GenerationMode.NEGATIVE)
                strategy = op.as_strategy(generation_mode=generation)
            _run(op.label, strategy, headers, examples, seed, result)
    return result


def _run(label: str, strategy: Any, headers: dict[str, str], examples: int,
         seed: int | None, result: FuzzResult) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is not None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def one(case: Any) -> None:
        result.requests += 1
        result.requests_by_operation[label] += 1
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # noqa: BLE001  (the app raised: a 500 outside TESTING)
            result.statuses[500] += 1
            result.server_errors += 1
            result.failures[label].setdefault(_problem(exc), _describe(case))
            return
        result.statuses[response.status_code] += 1
        if response.status_code >= 500:
            result.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:
            result.failures[label].setdefault(_problem(exc), _describe(case))

    try:
        one()
    except Exception as exc:  # noqa: BLE001  (hypothesis could not generate: report, go on)
        if "Unable to satisfy assumptions" not in str(exc):
            result.failures[label].setdefault(f"generation: {type(exc).__name__}",
                                              str(exc)[:300])

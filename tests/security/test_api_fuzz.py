"""The JSON API, fuzzed from its own OpenAPI document: no generated request, allowed by the
document or not, gets a server error, and every answer is documented and matches its schema.

A few examples per operation and mode keep it quick; `bench/fuzz_api.py` runs thousands.
The problems fuzzing found each have a regression test next to the code's other tests
(tests/api/test_declarations_push.py, tests/api/test_tasks_api.py).
"""
from __future__ import annotations

from flask import Flask

from tests.casedata import World, drive_to, world  # noqa: F401
from tests.security.api_fuzzing import (fuzz, known_ids, load_schema, operations,
                                        personal_token)

EXAMPLES = 6


def test_fuzzing_the_api_finds_no_server_error_and_no_undocumented_answer(
        app: Flask, world: World) -> None:
    app.extensions["pca_clock"] = world.clock
    for element in ("assign_auditor", "prepare_plan", "issue_notice", "examine_records",
                    "review_findings"):
        drive_to(world, world.open_case(2), element)
    plain = personal_token(world.session, world.supervisor)
    known = known_ids(world.session)
    assert known.task_ids and known.case_ids and known.gd_numbers

    schema = load_schema(app)
    result = fuzz(schema, {"Authorization": f"Bearer {plain}"}, known, examples=EXAMPLES)

    assert not result.problems(), "\n".join(result.problems())
    assert result.server_errors == 0
    # The fuzzer reached every operation, and past authentication: answers other than 401/403.
    assert set(result.requests_by_operation) == {op.label for op in operations(schema)}
    assert set(result.statuses) - {401, 403}, result.statuses
    assert result.statuses[200] > 0 and result.statuses[422] > 0, result.statuses

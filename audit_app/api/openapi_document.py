"""The OpenAPI 3.1 description of every /api/v1 route, as plain data.

Kept beside the handlers and checked by tests/api/test_openapi*.py: every route in the app's
URL map must appear here, and real responses are validated against these schemas, so a handler
that changes its output without changing this file fails the suite. Issue 7 fuzzes the API
from this document.
"""
from __future__ import annotations

from typing import Any

from ..auth.service import TOKEN_SCOPES
from ..models import Role
from ..services.cases import AUDIT_TYPES, REPLY_OUTCOMES, REVIEW_DECISIONS
from ..services.duty import LEVIES

JSON = "application/json"
EVIDENCE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain",
                  "text/csv")  # services.evidence.KINDS
# Amounts are decimal strings (never floats): "278696.50", "0".
AMOUNT = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$",
          "examples": ["278696.50"]}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    kind = schema.get("type")
    out = dict(schema)
    out["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any], required: list[str] | None = None, *,
        extra: bool = False, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else required,
                              "additionalProperties": extra}
    if description:
        schema["description"] = description
    return schema


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
LEVY_AMOUNTS = obj({levy: AMOUNT for levy in LEVIES},
                   description="One amount per levy: customs duty, regulatory duty, additional "
                               "customs duty, sales tax, additional sales tax, income tax.")
LEVY_AMOUNTS_TOTAL = obj({**{levy: AMOUNT for levy in LEVIES}, "total": AMOUNT})


ITEM_RISK = {"run_id": INT, "probability": {"type": "number"},
             "rule_score": {"type": "number"}, "expected_short_levy_pkr": AMOUNT,
             "duty_at_stake_pkr": AMOUNT, "rules_hit": {"type": "array", "items": STR},
             "reasons": {"type": "array", "items": STR}, "scored_at": DATETIME,
             "model_version": nullable(STR), "rule_set_version": nullable(INT)}
CASE_SUMMARY = {
    "id": INT, "case_number": STR, "status": STR, "directorate_code": nullable(STR),
    "importer": obj({"id": INT, "ntn": STR, "name": nullable(STR)}),
    "audit_type": nullable({"type": "string", "enum": list(AUDIT_TYPES)}),
    "period_from": nullable(DATE), "period_to": nullable(DATE),
    "planned_scope": nullable(STR), "auditor_id": nullable(INT),
    "supervisor_id": nullable(INT), "short_levy_total_pkr": AMOUNT,
    "amount_paid_pkr": AMOUNT, "created_at": DATETIME, "closed_at": nullable(DATETIME)}

SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": obj({
        "code": {"type": "string", "description": "validation_failed, conflict, forbidden, "
                                                  "not_found, unauthorized, ..."},
        "message": STR,
        "details": {"description": "For validation_failed: field -> message (an object), "
                                   "or a list of problems."},
        "problems": {"type": "array", "items": ref("Problem")},
    }, ["code", "message"])}),
    "ValidationError": {"allOf": [ref("Error")], "description":
                        "`error.details` maps each field to what is wrong with it."},
    "Problem": obj({"item": nullable(INT), "field": nullable(STR), "value": nullable(STR),
                    "message": STR}, description="An item (0-based index in the batch), "
                                                 "its field and what is wrong."),
    # --- declarations ---------------------------------------------------------------------
    "Importer": obj({"ntn": STR, "name": nullable(STR)}),
    "ItemRisk": obj(ITEM_RISK),
    "DeclarationItem": obj({
        "item_no": INT, "hs_code": STR, "description": STR, "origin_country": STR,
        "export_country": nullable(STR), "quantity": AMOUNT, "unit": STR,
        "gross_weight_kg": nullable(AMOUNT), "currency": STR, "invoice_value": AMOUNT,
        "exchange_rate": AMOUNT, "declared_value_pkr": AMOUNT, "assessed_value_pkr": AMOUNT,
        **{f"{levy}_pkr": AMOUNT for levy in LEVIES},
        "sro_ref": nullable(STR), "fta_code": nullable(STR),
        "attributes": {"type": "object"}, "version": INT,
        "risk": {**nullable(ref("ItemRisk")), "description":
                 "The item's latest score; present only for callers who may read risk."},
    }, ["item_no", "hs_code", "description", "origin_country", "export_country", "quantity",
        "unit", "gross_weight_kg", "currency", "invoice_value", "exchange_rate",
        "declared_value_pkr", "assessed_value_pkr", *[f"{levy}_pkr" for levy in LEVIES],
        "sro_ref", "fta_code", "attributes", "version"]),
    "Declaration": obj({
        "gd_number": STR, "gd_date": DATE, "collectorate": STR, "channel": STR,
        "importer": ref("Importer"), "agent_code": nullable(STR),
        "declared_value_pkr": AMOUNT, "duty_paid_pkr": AMOUNT,
        "items": {"type": "array", "items": ref("DeclarationItem")}}),
    "DeclarationBatch": {
        "type": "object", "required": ["items"], "additionalProperties": True,
        "properties": {"items": {
            "type": "array", "minItems": 1, "maxItems": 10_000,
            "items": {"type": "object", "additionalProperties": True,
                      "description": "One item: the columns of the declarations file "
                                     "(data-formats spec), column -> value."}}}},
    "IntakeReport": obj({"batch_id": INT, "kind": STR, "rows_read": INT, "new": INT,
                         "amended": INT, "unchanged": INT, "rejected": INT,
                         "problems": {"type": "array", "items": ref("Problem")}}),
    # --- risk ----------------------------------------------------------------------------
    "ScoreRun": obj({"id": INT, "started_at": DATETIME, "finished_at": nullable(DATETIME),
                     "period_from": nullable(DATE), "period_to": nullable(DATE),
                     "items_scored": nullable(INT), "rule_set_version": nullable(INT),
                     "model_version": nullable(STR)}),
    "TopScore": obj({"gd_number": STR, "item_no": INT, "gd_date": DATE, "collectorate": STR,
                     "importer": ref("Importer"), **ITEM_RISK}),
    "RiskScores": obj({"run": nullable(ref("ScoreRun")),
                       "scores": {"type": "array", "items": ref("TopScore")}}),
    # --- tasks ---------------------------------------------------------------------------
    "Task": obj({
        "task_id": {"type": "string", "format": "uuid"}, "case_id": INT, "case_number": STR,
        "element_id": {"type": "string", "description": "The BPMN user task's id, e.g. "
                                                         "prepare_plan"},
        "name": STR, "lane": {"type": "string", "enum": [r.value for r in Role],
                              "description": "The role that works the task."},
        "directorate_code": nullable(STR), "assignee_id": nullable(INT),
        "claimed_at": nullable(DATETIME), "opened_at": DATETIME,
        "due_on": {**DATE, "description": "The last day, Pakistan time."},
        "due_at": {**DATETIME, "description": "The instant the SLA is breached (UTC)."},
        "overdue": BOOL, "escalated_at": nullable(DATETIME),
        "escalated_to_id": nullable(INT)}),
    "TaskPage": obj({"list": {"type": "string", "enum": ["mine", "team", "escalations"]},
                     "page": INT, "per_page": INT, "total": INT,
                     "tasks": {"type": "array", "items": ref("Task")}}),
    "Reassignment": obj({"assignee_id": {"type": "integer", "minimum": 1,
                                         "maximum": 2**31 - 1, "description":
                                         "An active officer holding the task's role."}}),
    "TaskForm": {
        "type": "object", "additionalProperties": True,
        "description": "The form of the task being completed; its fields depend on the task's "
                       "`element_id`. assign_auditor: auditor_id (optional: the auditor with "
                       "the fewest open tasks). prepare_plan: audit_type, planned_scope, "
                       "period_from, period_to. issue_notice: notice_date, records_due_date "
                       "(after the notice date). examine_records: none (findings are recorded "
                       "before). review_findings: decision, comments (required to return). "
                       "issue_observation: observation_date. record_reply: reply_outcome, "
                       "amount_paid (for a voluntary payment), reply_summary. Processes added "
                       "later (adjudication, disputes, recovery) register forms of their own; "
                       "a bad field comes back as 422 with field -> message.",
        "properties": {
            "auditor_id": {"type": ["integer", "string"], "description":
                           "A user id (1 to 2147483647); empty: the suggested auditor."},
            "audit_type": {"type": "string", "enum": list(AUDIT_TYPES)},
            "planned_scope": STR, "period_from": DATE, "period_to": DATE,
            "notice_date": DATE, "records_due_date": DATE,
            "decision": {"type": "string", "enum": list(REVIEW_DECISIONS)}, "comments": STR,
            "observation_date": DATE,
            "reply_outcome": {"type": "string", "enum": list(REPLY_OUTCOMES)},
            "amount_paid": {"oneOf": [AMOUNT, {"type": "number", "minimum": 0}]},
            "reply_summary": STR}},
    "TaskCompleted": obj({
        "task_id": {"type": "string", "format": "uuid"}, "completed_by": INT,
        "completed_at": DATETIME,
        "case": obj({"id": INT, "case_number": STR, "status": STR}),
        "open_tasks": {"type": "array", "items": ref("Task"),
                       "description": "The case's open tasks after this step."}}),
    # --- cases ---------------------------------------------------------------------------
    "Person": obj({"id": INT, "username": STR, "full_name": STR}),
    "CaseSummary": obj(CASE_SUMMARY),
    "CasePage": obj({"page": INT, "per_page": INT, "total": INT,
                     "cases": {"type": "array", "items": ref("CaseSummary")}}),
    "Facts": obj({"value_pkr": AMOUNT, "hs_code": STR, "origin": STR,
                  "fta_code": nullable(STR), "sro_ref": nullable(STR), "quantity": AMOUNT}),
    "Finding": obj({
        "id": INT, "kinds": {"type": "array", "items": {"type": "string", "enum": [
            "UNDERVALUATION", "OVERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION",
            "QUANTITY"]}},
        "declared": ref("Facts"), "correct": ref("Facts"), "evidence": STR,
        "documents": {"type": "array", "items": STR},
        "rates_applied": {"type": "object", "additionalProperties": STR,
                          "description": "The rates applied, in percent, per levy."},
        "due_pkr": ref("LevyAmounts"),
        "short_levy_pkr": {**ref("LevyAmountsTotal"), "description":
                           "max(0, due - paid) per levy, computed by the system."},
        "recorded_by_id": nullable(INT), "recorded_at": DATETIME}),
    "LevyAmounts": LEVY_AMOUNTS,
    "LevyAmountsTotal": LEVY_AMOUNTS_TOTAL,
    "CaseItem": obj({
        "case_item_id": INT, "item_id": INT, "gd_number": STR, "gd_date": DATE, "item_no": INT,
        "hs_code": STR, "description": STR, "origin_country": STR, "fta_code": nullable(STR),
        "sro_ref": nullable(STR), "quantity": AMOUNT, "unit": STR,
        "assessed_value_pkr": AMOUNT, "paid_pkr": ref("LevyAmounts"),
        "expected_short_levy_pkr": AMOUNT,
        "risk_reasons": {"type": "array", "items": STR,
                         "description": "Why the item was selected for audit."},
        "finding": nullable(ref("Finding"))}),
    "CaseAmounts": obj({"expected_short_levy_pkr": AMOUNT,
                        "short_levy_pkr": ref("LevyAmountsTotal"),
                        "amount_paid_pkr": AMOUNT, "outstanding_pkr": AMOUNT}),
    "CaseEvent": obj({"id": INT, "at": DATETIME, "kind": STR, "element_id": nullable(STR),
                      "actor": {**nullable(ref("Person")),
                                "description": "null: the system (timers, hand-offs)."},
                      "summary": STR,
                      "data": nullable({"type": "object", "description":
                                        "What changed; api_token_id when made with a token."})}),
    "Case": obj({
        **CASE_SUMMARY,
        "auditor": nullable(ref("Person")), "supervisor": nullable(ref("Person")),
        "amounts": ref("CaseAmounts"), "items": {"type": "array", "items": ref("CaseItem")},
        "open_tasks": {"type": "array", "items": ref("Task")},
        "timeline": {"type": "array", "items": ref("CaseEvent"),
                     "description": "Oldest first: who did what, when, and the data changed."}}),
    "Diagram": obj({"process_id": STR, "instance_id": nullable(INT),
                    "status": {"type": "string", "enum": ["running", "completed"]},
                    "end_status": {**nullable(STR), "description":
                                   "The case status the process's end event set."},
                    "started_at": nullable(DATETIME), "spec_hash": STR,
                    "active_elements": {"type": "array", "items": STR,
                                        "description": "BPMN element ids waiting for people."},
                    "bpmn_xml": {"type": "string", "description":
                                 "The BPMN the case runs on (its own version), for bpmn-js."}}),
    "EvidenceDocument": obj({
        "id": INT, "case_id": INT, "case_item_id": nullable(INT), "filename": STR,
        "content_type": {"type": "string", "enum": list(EVIDENCE_TYPES)},
        "size_bytes": INT, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "uploaded_by_id": INT, "uploaded_at": DATETIME, "withdrawn": BOOL,
        "withdrawn_at": nullable(DATETIME), "withdrawn_by_id": nullable(INT),
        "withdrawal_reason": nullable(STR), "download_url": STR},
        description="An evidence document: the type is the one sniffed from its bytes; a "
                    "withdrawn one stays listed with who, when and why."),
    "CaseEvidence": obj({"case_id": INT, "case_number": STR,
                         "evidence": {"type": "array", "items": ref("EvidenceDocument")}}),
    "CaseDiagrams": obj({"case_id": INT, "case_number": STR,
                         "diagrams": {"type": "array", "items": ref("Diagram")}}),
}


def _error(description: str, name: str = "Error") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": ref(name)}}}


def _ok(name: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": ref(name)}}}


UNAUTHORIZED = _error("Not logged in, or the token is unknown or revoked.")
FORBIDDEN = _error("The role (or the token's scope) does not allow this.")
INVALID = _error("Bad parameters or form: `error.details` maps field -> message.",
                 "ValidationError")


def _secured(*scopes: str, session: bool = True) -> list[dict[str, list[str]]]:
    out: list[dict[str, list[str]]] = [{"bearerToken": list(scopes)}]
    if session:
        out.append({"sessionCookie": []})
    return out


def _page_params() -> list[dict[str, Any]]:
    return [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                  "maximum": 1_000_000, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                      "maximum": 200, "default": 50}}]


TASK_ID = {"name": "task_id", "in": "path", "required": True,
           "schema": {"type": "string", "format": "uuid"}}
CASE_ID = {"name": "case_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}
TASK_CONFLICT = _error("The task is no longer open (completed or cancelled meanwhile, or "
                       "unknown), or someone else moved the case on at the same time.")


def _task_write(summary: str, description: str, *, action_roles: str,
                body: dict[str, Any] | None, ok: str) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": ["tasks"], "summary": summary, "description": description,
        "parameters": [TASK_ID], "security": _secured("tasks:write"),
        "responses": {"200": _ok(ok), "401": UNAUTHORIZED,
                      "403": _error(f"Not allowed: {action_roles}"), "409": TASK_CONFLICT,
                      "422": INVALID}}
    if body is not None:
        op["requestBody"] = {"required": False, "content": {JSON: {"schema": body}}}
    return op


PATHS: dict[str, Any] = {
    "/api/v1/declarations": {"post": {
        "tags": ["declarations"], "summary": "Push a batch of cleared items",
        "description": "The clearance system pushes up to 10,000 items; validation is that of "
                       "file intake. All or nothing unless `skip_invalid=true`.",
        "security": [{"bearerToken": ["declarations:write"]}],
        "parameters": [{"name": "skip_invalid", "in": "query",
                        "schema": {"type": "string", "enum": ["true", "false", "1", "0"]}}],
        "requestBody": {"required": True, "content": {JSON: {"schema": ref("DeclarationBatch")}}},
        "responses": {"201": _ok("IntakeReport", "Items stored (new or amended)."),
                      "200": _ok("IntakeReport", "Nothing new: every item was unchanged."),
                      "400": _error("Not JSON, or not {\"items\": [...]}"),
                      "401": UNAUTHORIZED, "403": FORBIDDEN,
                      "413": _error("More than 10,000 items, or a body over 64 MB."),
                      "422": _error("Invalid items: `error.problems` lists each.")}}},
    "/api/v1/declarations/{gd_number}": {"get": {
        "tags": ["declarations"], "summary": "One declaration with its items",
        "description": "Each item carries `risk` (its latest score with reasons) when the "
                       "caller may read risk (role, or a token with risk:read).",
        "security": _secured(),
        "parameters": [{"name": "gd_number", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": _ok("Declaration"), "401": UNAUTHORIZED, "403": FORBIDDEN,
                      "404": _error("No such declaration.")}}},
    "/api/v1/risk/scores": {"get": {
        "tags": ["risk"], "summary": "A scoring run's top items with their reasons",
        "security": _secured("risk:read"),
        "parameters": [
            {"name": "run", "in": "query", "schema": {"type": "integer", "minimum": 1},
             "description": "Default: the latest run."},
            {"name": "limit", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
            {"name": "directorate", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": _ok("RiskScores"), "401": UNAUTHORIZED, "403": FORBIDDEN,
                      "404": _error("No such scoring run."), "422": INVALID}}},
    "/api/v1/tasks": {"get": {
        "tags": ["tasks"], "summary": "A work queue, overdue first",
        "description": "`mine`: tasks assigned to me. `team`: my directorate's tasks in the "
                       "lanes I hold a role for (claim the unassigned ones). `escalations`: "
                       "overdue tasks escalated to me (supervisors). Read from the open-task "
                       "table, never from workflow state.",
        "security": _secured("tasks:read"),
        "parameters": [{"name": "list", "in": "query", "schema": {
            "type": "string", "enum": ["mine", "team", "escalations"], "default": "mine"}},
            *_page_params()],
        "responses": {"200": _ok("TaskPage"), "401": UNAUTHORIZED, "403": FORBIDDEN,
                      "422": INVALID}}},
    "/api/v1/tasks/{task_id}": {"get": {
        "tags": ["tasks"], "summary": "One open task",
        "security": _secured("tasks:read"), "parameters": [TASK_ID],
        "responses": {"200": _ok("Task"), "401": UNAUTHORIZED, "403": FORBIDDEN,
                      "404": _error("No open task with this id.")}}},
    "/api/v1/tasks/{task_id}/claim": {"post": _task_write(
        "Claim an unassigned task", "Take an unassigned task of a lane I hold a role for.",
        action_roles="the task's lane role, in its directorate", body=None, ok="Task")},
    "/api/v1/tasks/{task_id}/reassign": {"post": _task_write(
        "Give a task to another officer", "A supervisor reassigns a task of the directorate "
        "to an active officer holding the task's role.", action_roles="PCA supervisors only",
        body=ref("Reassignment"), ok="Task")},
    "/api/v1/tasks/{task_id}/complete": {"post": _task_write(
        "Complete a task with its form",
        "Validates the form server side, records its facts on the case, moves the process on "
        "(load, advance, save with a version check, commit) and records a timeline event with "
        "the user, the time and the data changed. Two users completing the same task: one "
        "wins, the other gets 409.",
        action_roles="the task's lane role; the task must be mine or unassigned",
        body=ref("TaskForm"), ok="TaskCompleted")},
    "/api/v1/cases": {"get": {
        "tags": ["cases"], "summary": "Cases I may read, newest first",
        "security": _secured("cases:read"),
        "parameters": [{"name": "status", "in": "query",
                        "schema": {"type": "string", "enum": ["open", "closed"]}},
                       *_page_params()],
        "responses": {"200": _ok("CasePage"), "401": UNAUTHORIZED, "403": FORBIDDEN,
                      "422": INVALID}}},
    "/api/v1/cases/{case_id}": {"get": {
        "tags": ["cases"], "summary": "One case",
        "description": "Summary, items with the reasons they were selected, findings with the "
                       "short levy per levy, amounts, open tasks and the timeline.",
        "security": _secured("cases:read"), "parameters": [CASE_ID],
        "responses": {"200": _ok("Case"), "401": UNAUTHORIZED,
                      "403": _error("Another directorate's case, or the role may not read "
                                    "cases."),
                      "404": _error("No such case.")}}},
    "/api/v1/cases/{case_id}/diagrams": {"get": {
        "tags": ["cases"], "summary": "The case's BPMN diagrams with the active elements",
        "security": _secured("cases:read"), "parameters": [CASE_ID],
        "responses": {"200": _ok("CaseDiagrams"), "401": UNAUTHORIZED,
                      "403": _error("Another directorate's case, or the role may not read "
                                    "cases."),
                      "404": _error("No such case, or it has no workflow.")}}},
    "/api/v1/cases/{case_id}/evidence": {
        "get": {
            "tags": ["cases"], "summary": "The case's evidence documents, oldest first",
            "security": _secured("cases:read"), "parameters": [CASE_ID],
            "responses": {"200": _ok("CaseEvidence"), "401": UNAUTHORIZED,
                          "403": _error("Another directorate's case, or the role may not read "
                                        "cases."),
                          "404": _error("No such case.")}},
        "post": {
            "tags": ["cases"], "summary": "Upload one evidence document",
            "description": "The body is the file itself. Accepted by content (never by name): "
                           "PDF, PNG, JPEG, TIFF, UTF-8 plain text or CSV; the name's extension "
                           "must agree with the content. At most PCA_MAX_UPLOAD_MB (20 MB by "
                           "default). By the case's auditor or a supervisor of its directorate "
                           "while the audit is open.",
            "security": _secured("evidence:write"),
            "parameters": [
                CASE_ID,
                {"name": "filename", "in": "query", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                 "description": "The file's name, e.g. invoice.pdf (sanitised when stored)."},
                {"name": "case_item_id", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                 "description": "The item under audit the document supports."}],
            "requestBody": {"required": True, "content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}},
            "responses": {"201": _ok("EvidenceDocument", "Stored."), "401": UNAUTHORIZED,
                          "403": _error("Not the case's auditor or a supervisor of its "
                                        "directorate, or the role or scope does not allow "
                                        "uploads."),
                          "404": _error("No such case."),
                          "409": _error("The audit is over, or the same file is already "
                                        "evidence of the case."),
                          "413": _error("The file is over PCA_MAX_UPLOAD_MB."),
                          "422": INVALID}}},
    "/api/v1/cases/{case_id}/evidence/{evidence_id}": {"get": {
        "tags": ["cases"], "summary": "Download one evidence document",
        "description": "The stored bytes as an attachment, with the type sniffed at upload "
                       "and `X-Content-Type-Options: nosniff`; withdrawn ones too.",
        "security": _secured("cases:read"),
        "parameters": [CASE_ID, {"name": "evidence_id", "in": "path", "required": True,
                                 "schema": {"type": "integer", "minimum": 0,
                                            "maximum": 2**31 - 1}}],
        "responses": {"200": {"description": "The file.", "content": {
                          kind: {"schema": {"type": "string", "format": "binary"}}
                          for kind in EVIDENCE_TYPES}},
                      "401": UNAUTHORIZED,
                      "403": _error("Another directorate's case, or the role may not read "
                                    "cases."),
                      "404": _error("No such case, or no such document in it.")}}},
    "/api/v1/openapi.json": {"get": {
        "tags": ["meta"], "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1",
                              "content": {JSON: {"schema": {"type": "object"}}}}}}},
    "/api/v1/docs": {"get": {
        "tags": ["meta"], "summary": "This document as a readable page", "security": [],
        "responses": {"200": {"description": "HTML",
                              "content": {"text/html": {"schema": {"type": "string"}}}}}}},
}


def document(server_url: str = "/") -> dict[str, Any]:
    scopes = "; ".join(f"`{k}`: {v}" for k, v in TOKEN_SCOPES.items())
    return {
        "openapi": "3.1.0",
        "info": {"title": "Post-clearance audit API", "version": "1",
                 "description": "Declarations, risk scores, work queues and audit cases. "
                                "Authenticate with a browser session (log in at /login) or "
                                "`Authorization: Bearer <token>` from `pca tokens issue`. "
                                f"Token scopes: {scopes}. Task and case scopes need a personal "
                                "token (`--user`): it acts as that user, whose roles still "
                                "decide. Amounts are decimal strings in rupees."},
        "servers": [{"url": server_url}],
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "security": _secured(),
        "tags": [{"name": n} for n in ("tasks", "cases", "declarations", "risk", "meta")],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description":
                                "An API token; the scopes it needs are listed per operation."},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                                  "description": "The browser session after logging in."}}},
    }

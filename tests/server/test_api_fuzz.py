"""No input gives a 500, and every answer matches the OpenAPI schema (issue 10, item 5).

schemathesis generates requests from the schema drf-spectacular serves at `/api/schema/` —
valid ones and deliberately invalid ones (wrong types, out-of-range numbers, odd strings) —
for every operation, as an applicant, a caseworker and a designer, and sends them to the
Django WSGI app in process. A third pass pins the path to objects that exist (a case, an open
task, a process version, an upload, a draft, a saved filter) and the start body to a real
application, so the answers checked against their schemas are real ones, not only 404s.

Each request runs in a savepoint rolled back afterwards: every one meets the same seeded world,
and a logout or a deploy cannot change what the next request sees. Generation is
derandomised: the same requests every run, so a failure is reproducible and never flaky.
`LEXFLOW_FUZZ_EXAMPLES` (default 8) sets the examples per operation, role and pass.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
from collections import Counter

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.server.conftest import do_task, shipped_files, start_case

ROLES = ("applicant", "caseworker", "designer")
EXAMPLES = int(os.environ.get("LEXFLOW_FUZZ_EXAMPLES", "5"))
COVERAGE_CASES = EXAMPLES
# Query values the security review found 500s with: a superscript digit, numbers no column
# holds, dates whose time zone or next day falls outside the calendar, a NUL.
HOSTILE = ("¹", "9" * 30, "1e999", "0001-01-01T00:00:00+14:00", "9999-12-31", "\x00")
QUESTION = {"question": "劳动合同纠纷如何申请仲裁？", "category": "labour"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(client_for, deploy_shipped):
    """The shipped processes (one deployed by nobody, as `make run` does), cases at different
    steps, an upload, a draft and a saved filter, for the pinned pass to point at."""
    from server.processes.deadlines import process_deadline
    from server.processes.services import definitions_deploy

    for name in ("legal_consultation", "mediation", "notary_intake", "legal_aid_application"):
        deploy_shipped(name)
    # The first deadline of a process reads the calendar and settings: do it before any script's
    # time limit runs, which a loaded machine would otherwise spend on it.
    process_deadline({"case": {"organisation": "LN-SY-HP"}}, "consultation.answer")
    definitions_deploy(files=shipped_files("complaint"), user=None, is_public=True)
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    open_case = start_case(applicant, "legal_consultation", QUESTION)
    answered = start_case(applicant, "legal_consultation", QUESTION)
    answer = {"answer": "可以向劳动争议仲裁委员会申请仲裁。", "request_review": False}
    do_task(caseworker, answered["id"], "answer", answer)
    upload = applicant.post(
        "/api/v1/attachments", {"file": SimpleUploadedFile("a.pdf", PDF)}, format="multipart"
    )
    assert upload.status_code == 201, upload.content
    draft = applicant.put("/api/v1/drafts/mediation", {"data": {"dispute": "x"}, "step": 0}, format="json")
    assert draft.status_code in (200, 201), draft.content
    today = {"name": "今日", "query": {"due_today": True}}
    saved = caseworker.post("/api/v1/task-filters", today, format="json")
    assert saved.status_code == 201, saved.content
    pinned = {
        "id": None,  # by path: see _pinned_path
        "key": "legal_consultation",
        "process_key": "mediation",
        "version": 1,
        "code": "unknown-code",
        "case": open_case["id"],
        "task": open_case["tasks"][0]["id"],
        "attachment": upload.json()["id"],
        "filter": saved.json()["id"],
    }
    tokens = {role: client_for(role)._credentials["HTTP_AUTHORIZATION"] for role in ROLES}
    return {"tokens": tokens, "pinned": pinned}


def _pinned_path(path: str, pinned: dict) -> dict:
    names = re.findall(r"{(\w+)}", path)
    values = {}
    for name in names:
        if name != "id":
            values[name] = pinned[name]
        elif path.startswith("/api/v1/tasks/"):
            values[name] = pinned["task"]
        elif path.startswith("/api/v1/attachments/"):
            values[name] = pinned["attachment"]
        elif path.startswith("/api/v1/task-filters/"):
            values[name] = pinned["filter"]
        else:
            values[name] = pinned["case"]  # instances/{id}…, documents/{id}: a real case id
    return values


def _pinned_body(path: str, method: str) -> dict:
    if (method, path) == ("POST", "/api/v1/instances"):
        return {"body": {"process": "legal_consultation", "data": QUESTION}, "media_type": "application/json"}
    return {}


@pytest.fixture
def wsgi_app():
    """Django's WSGI app, keeping the test's connection (and transaction) open between requests,
    as Django's own test client does; the request log quiet (thousands of 4xx are the point)."""
    app = get_wsgi_application()  # sets logging up again: quieten it afterwards
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield app
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        logger.setLevel(level)


@pytest.mark.parametrize("role", ROLES)
def test_no_generated_request_gives_a_server_error_or_an_answer_off_its_schema(
    world, wsgi_app, role, record_property
):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    token = world["tokens"][role]
    sent: Counter[str] = Counter()
    failures: list[str] = []
    server_errors = 0
    violations = 0

    def check(case) -> None:
        nonlocal server_errors, violations
        case.headers = {**(case.headers or {}), "Authorization": token}
        savepoint = transaction.savepoint()
        try:
            response = case.call()
        finally:
            transaction.savepoint_rollback(savepoint)
        sent[case.operation.label] += 1
        server_errors += response.status_code >= 500
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except FailureGroup as exc:  # a BaseExceptionGroup: one per request, all checks in it
            violations += response.status_code < 500
            failures.append(f"{case.operation.label} -> {response.status_code}\n{str(exc)[:2000]}")

    def exercise(operation, strategy, examples: int = EXAMPLES) -> None:
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        @given(case=strategy)
        def send(case):
            check(case)

        send()

    for result in schema.get_all_operations():
        operation = result.ok()
        exercise(operation, operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        # (Nothing to make invalid when there are no parameters and no body: the valid pass covers it.)
        with contextlib.suppress(Unsatisfiable):
            exercise(operation, operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        # schemathesis's coverage phase: boundary values of every parameter (the largest and
        # smallest numbers, empty and odd strings, wrong types), deterministic; the first few.
        coverage = schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        )
        for case in itertools.islice(coverage, COVERAGE_CASES):
            check(case)
        # What the security review sent by hand, in every query parameter.
        for name in [parameter.name for parameter in operation.query]:
            for value in HOSTILE:
                exercise(operation, operation.as_strategy(query={name: value}), examples=1)
        pinned = _pinned_path(operation.path, world["pinned"])
        extra = _pinned_body(operation.path, operation.method.upper())
        if pinned or extra:
            exercise(operation, operation.as_strategy(path_parameters=pinned or None, **extra))

    total = sum(sent.values())
    summary = (
        f"{role}: {total} requests over {len(sent)} operations, "
        f"{server_errors} server errors, {violations} schema violations"
    )
    record_property("schemathesis", summary)
    print(f"\nschemathesis {summary}")
    assert len(sent) >= 45 and total >= 45 * EXAMPLES, summary
    assert not failures, summary + "\n\n" + "\n\n".join(dict.fromkeys(failures))

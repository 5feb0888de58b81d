"""Plain bad input never gives a 500 (issue 10, item 5): each case the security review saw."""

from __future__ import annotations

import pytest

HUGE = "9" * 30


@pytest.fixture
def supervisor(client_for):
    return client_for("supervisor")


# "¹" goes out as ?organisation=%C2%B9: `str.isdigit` says yes to it, and `int()` then fails.
# A NUL is a 500 on PostgreSQL only (schemathesis found it there on /figures/overdue).
@pytest.mark.parametrize("value", ["¹", "²³", HUGE, "LN\x00"])
@pytest.mark.parametrize(
    "path",
    ["/api/v1/legal-aid/stats", "/api/v1/complaints/stats", "/api/v1/deadlines", "/api/v1/figures/overdue"],
)
def test_an_odd_organisation_in_the_query_is_not_found_not_a_server_error(supervisor, path, value):
    response = supervisor.get(path, {"organisation": value})
    # A NUL is refused before any view reads it (server.core.middleware): a 400 naming it.
    assert response.status_code == (404 if "\x00" not in value else 400), response.content
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(
    "query",
    [
        {"instance": HUGE},
        {"instance": "-" + HUGE},
        {"priority": HUGE},
        {"due_before": "9999-12-31T23:59:59-14:00"},
        {"due_before": "0001-01-01T00:00:00+14:00"},
    ],
)
def test_an_out_of_range_task_filter_is_refused_or_finds_nothing(client_for, query):
    response = client_for("caseworker").get("/api/v1/tasks", query)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"organisation": HUGE},
        {"started_after": "0001-01-01T00:00:00+14:00"},
        {"started_before": "9999-12-31T23:59:59-14:00"},
    ],
)
def test_an_out_of_range_case_filter_is_refused_or_finds_nothing(client_for, query):
    response = client_for("caseworker").get("/api/v1/instances", query)
    assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/legal-aid/stats", {"from": "0001-01-01", "to": "0001-01-01"}),
        ("/api/v1/legal-aid/stats", {"from": "9999-12-31", "to": "9999-12-31"}),
        ("/api/v1/figures/volume", {"from": "0001-01-01"}),
        ("/api/v1/figures/volume", {"to": "9999-12-31"}),
        ("/api/v1/figures/cases", {"line": "legal_aid", "figure": "received", "to": "9999-12-31"}),
    ],
)
def test_out_of_range_dates_are_refused_not_a_server_error(supervisor, path, query):
    response = supervisor.get(path, query)
    assert response.status_code in (200, 400), response.content


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/instances", '{{"process": "legal_consultation", "data": {}}}'),
        ("put", "/api/v1/drafts/legal_consultation", '{{"data": {}, "step": 0}}'),
        ("post", "/api/v1/task-filters", '{{"name": "x", "query": {}}}'),
        ("post", "/api/v1/auth/login", "{}"),
    ],
)
def test_json_nested_a_thousand_deep_is_refused_as_a_bad_request(
    client_for, deploy_shipped, method, path, body, depth
):
    deploy_shipped("legal_consultation")  # the draft's process must exist for its body to be read
    response = getattr(client_for("caseworker"), method)(
        path, body.format(_nested(depth)), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "nested too deeply" in response.json()["detail"]


def test_json_nested_as_deep_as_a_form_goes_is_read(client_for):
    response = client_for("caseworker").post(
        "/api/v1/task-filters", f'{{"name": "x", "query": {_nested(60)}}}', content_type="application/json"
    )
    assert response.status_code == 400 and "nested" not in response.json()["detail"]  # refused for its keys


def _documented(client, path: str, method: str, status: str) -> dict:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    documented = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    ref = documented.get("items", documented)["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_answer_to_a_start_is_the_one_its_schema_documents(client_for, deploy_shipped):
    from server.processes.deadlines import process_deadline

    deploy_shipped("legal_consultation")
    # The calendar's first read, outside the script's time limit (a loaded machine is slow at it).
    process_deadline({"case": {"organisation": "LN-SY-HP"}}, "consultation.answer")
    applicant = client_for("applicant")
    started = applicant.post(
        "/api/v1/instances",
        {"process": "legal_consultation", "data": {"question": "劳动合同纠纷如何申请仲裁？"}},
        format="json",
    )
    assert started.status_code == 201, started.content
    documented = _documented(applicant, "/api/v1/instances", "post", "201")
    assert set(started.json()) == set(documented["properties"])


def test_a_process_deployed_from_the_command_line_has_no_deployer_and_the_schema_says_it_may_not(
    client_for, demo
):
    from server.processes.services import definitions_deploy
    from tests.server.conftest import shipped_files

    definitions_deploy(files=shipped_files("legal_consultation"), user=None, is_public=True)
    designer = client_for("designer")
    [listed] = designer.get("/api/v1/processes").json()
    assert listed["deployed_by"] is None
    definition = _documented(designer, "/api/v1/processes", "get", "200")
    assert definition["properties"]["deployed_by"].get("nullable") is True


# Found by schemathesis on /people (the operations' person picker) and the audit log's filters.
@pytest.mark.parametrize("value", ["¹", "²³", HUGE])
@pytest.mark.parametrize("parameter", ["task", "instance"])
def test_an_odd_id_for_the_person_picker_is_a_400_naming_the_parameter(client_for, parameter, value):
    response = client_for("caseworker").get("/api/v1/people", {parameter: value})
    assert response.status_code == 400, response.content
    assert parameter in response.json()["errors"]


@pytest.mark.parametrize("query", [{"case": "¹"}, {"person": "²"}])
def test_an_odd_case_or_person_in_the_audit_log_filter_finds_nothing(client_for, query):
    response = client_for("auditor").get("/api/v1/audit/events", query)
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


# Found by schemathesis: GET /people?role=%00 was a 500 on PostgreSQL, which cannot hold a NUL
# in a text value. Refused for every view at once (server.core.middleware), naming the parameter.
NUL_FILTERS = [
    ("caseworker", "/api/v1/people", "role"),
    ("caseworker", "/api/v1/people", "q"),
    ("caseworker", "/api/v1/tasks", "process"),
    ("caseworker", "/api/v1/tasks", "q"),
    ("caseworker", "/api/v1/instances", "business_key"),
    ("caseworker", "/api/v1/instances", "stage"),
    ("auditor", "/api/v1/audit/events", "action"),
    ("auditor", "/api/v1/audit/events", "person"),
]


@pytest.mark.parametrize("value", ["\x00", "caseworker\x00", "a\x00b"])
@pytest.mark.parametrize(("user", "path", "parameter"), NUL_FILTERS)
def test_a_nul_in_a_list_filter_is_a_400_naming_the_parameter(client_for, user, path, parameter, value):
    response = client_for(user).get(path, {parameter: value, "page": "1"})
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["errors"]) == [parameter] and body["status"] == 400
    assert "NUL" in body["errors"][parameter][0] and body["detail"].startswith(f"{parameter}: ")


def test_a_nul_in_a_parameters_name_or_any_of_its_values_is_refused_too(client_for):
    caseworker = client_for("caseworker")
    named = caseworker.get("/api/v1/people?ro%00le=x")
    assert named.status_code == 400 and list(named.json()["errors"]) == ["ro\\0le"]
    second = caseworker.get("/api/v1/tasks?process=a&process=b%00")
    assert second.status_code == 400 and list(second.json()["errors"]) == ["process"]
    assert client_for("caseworker").get("/api/v1/people", {"role": "caseworker"}).status_code == 200


# Other odd characters PostgreSQL does take: found nothing (or refused), never a server error.
@pytest.mark.parametrize("value", ["\x01\x1f", "\ufffd", "\U0001f600", "%", "_", "\\", "'\"", "a" * 5000])
@pytest.mark.parametrize(("user", "path", "parameter"), NUL_FILTERS)
def test_other_odd_characters_in_a_list_filter_find_nothing(client_for, user, path, parameter, value):
    response = client_for(user).get(path, {parameter: value})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        body = response.json()
        assert (body["results"] if isinstance(body, dict) else body) == []

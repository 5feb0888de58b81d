"""The complaint form: what a complainant must say, checked before a case starts."""

from __future__ import annotations

import pytest

from server.processes.models import ProcessInstance
from tests.server.complaints.conftest import COMPLAINT, PROCESS
from tests.server.conftest import start_case


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target_type": None}, "data.target_type"),
        ({"target_type": "judge"}, "data.target_type"),
        ({"target_name": ""}, "data.target_name"),
        ({"facts": "太差"}, "data.facts"),
        ({"occurred_on": "2026-02-30"}, "data.occurred_on"),
        ({"request": None}, "data.request"),
        ({"proceedings": "maybe"}, "data.proceedings"),
        ({"id_number": "12345"}, "data.id_number"),
        ({"contact": {"phone": "call me"}}, "data.contact.phone"),
        ({"contact": {"fax": "024-1234567"}}, "data.contact.fax"),
    ],
)
def test_a_bad_complaint_form_is_refused_with_a_400_naming_the_field(
    client_for, complaint_process, changes, field
):
    data = {**COMPLAINT, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    refused = start_case(client_for("applicant"), PROCESS, data, status=400)
    assert field in refused["errors"], refused["errors"]
    assert not ProcessInstance.objects.exists()


def test_the_optional_fields_may_be_left_out(client_for, complaint_process):
    minimal = {
        key: COMPLAINT[key] for key in ("target_type", "target_name", "facts", "occurred_on", "request")
    }
    case = start_case(client_for("applicant"), PROCESS, {**minimal, "proceedings": "none"})
    assert case["data"]["contact"] == {} and case["data"]["id_number"] == ""
    assert case["data"]["anonymous"] is False and "id_check" not in case["data"]

"""A bad appointment request is refused with a 400 naming every field at fault, never a 500."""

import pytest

from server.processes.models import ProcessInstance
from tests.server.conftest import start_case
from tests.server.notary.conftest import PROCESS, application


def test_a_request_missing_its_required_fields_names_each_one(client_for, notary_process, steps):
    refused = start_case(client_for("applicant"), PROCESS, {"matter": "遗嘱 / A will"}, status=400)
    for field in ("data.matter_domain", "data.preferred_date", "data.legal_aid_matter", "data.applicant"):
        assert field in refused["errors"], refused["errors"]
    assert not ProcessInstance.objects.exists()


def test_bad_values_are_refused_field_by_field(client_for, notary_process, steps):
    bad = application(id_number="21010219900517", phone="call me", wants_visit=True)
    bad["matter_domain"] = "criminal"
    bad["preferred_date"] = "next Tuesday"
    refused = start_case(client_for("applicant"), PROCESS, bad, status=400)
    assert set(refused["errors"]) >= {
        "data.matter_domain",
        "data.preferred_date",
        "data.applicant.id_number",
        "data.applicant.phone",
        "data.applicant.visit_place",  # a visit was asked for without saying where
        "data.applicant.visit_address",
    }


@pytest.mark.parametrize("data", [[], "an appointment", None])
def test_a_request_that_is_not_an_object_is_a_400(client_for, notary_process, data):
    response = client_for("applicant").post(
        "/api/v1/instances", {"process": PROCESS, "data": data}, format="json"
    )
    assert response.status_code == 400, response.content


def test_a_complete_request_starts_the_case(client_for, notary_process):
    case = start_case(client_for("applicant"), PROCESS, application(matter_domain="foreign_related"))
    assert case["data"]["matter_domain"] == "foreign_related"

"""A complaint may name the case it is about; that must be one of the complainant's own cases."""

from __future__ import annotations

import pytest

from server.portal.models import Attachment
from server.processes.models import ProcessInstance
from tests.server.complaints.conftest import COMPLAINT
from tests.server.conftest import start_case
from tests.server.portal.conftest import uploaded


@pytest.fixture
def cases(client_for, deploy_shipped):
    """A consultation each of `applicant` and `applicant2`, and the complaint process."""
    deploy_shipped("legal_consultation")
    deploy_shipped("complaint")
    return {
        who: start_case(client_for(who), "legal_consultation", {"question": "离婚财产如何分割？"})
        for who in ("applicant", "applicant2")
    }


def complain(client, **changes) -> dict:
    status = changes.pop("status", 201)
    return start_case(client, "complaint", {**COMPLAINT, **changes}, status=status)


def test_a_complaint_about_ones_own_case_carries_its_number_and_evidence(client_for, cases):
    applicant = client_for("applicant")
    evidence = uploaded(applicant, "收费票据.pdf")
    case = complain(applicant, related_case=cases["applicant"]["business_key"], evidence=[evidence])
    assert case["data"]["related_case"] == cases["applicant"]["business_key"]
    assert case["data"]["evidence"] == [evidence]
    assert Attachment.objects.get(pk=evidence).instance_id == case["id"]
    staff_view = client_for("caseworker").get(f"/api/v1/instances/{case['id']}").json()
    assert staff_view["data"]["related_case"] == cases["applicant"]["business_key"]


@pytest.mark.parametrize("number", ["someone else's", "20990101-999999"])
def test_a_complaint_naming_a_case_not_ones_own_is_refused_on_related_case(client_for, cases, number):
    if number == "someone else's":
        number = cases["applicant2"]["business_key"]
    before = ProcessInstance.objects.count()
    refused = complain(client_for("applicant"), related_case=number, status=400)
    assert list(refused["errors"]) == ["data.related_case"]
    assert " / " in refused["errors"]["data.related_case"][0]
    assert ProcessInstance.objects.count() == before


def test_the_related_case_stays_optional(client_for, cases):
    case = complain(client_for("applicant"))
    assert "related_case" not in case["data"]
    assert complain(client_for("applicant"), related_case="")["data"]["related_case"] == ""


def test_the_related_case_number_is_checked_by_the_form_too(client_for, cases):
    refused = complain(client_for("applicant"), related_case="x" * 129, status=400)
    assert "data.related_case" in refused["errors"]

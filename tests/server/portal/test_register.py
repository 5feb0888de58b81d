"""Registering as an applicant: the account, its organisation, and a session that is logged in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from server.accounts.models import Membership
from server.audit.models import Event
from server.portal.models import ApplicantProfile
from tests.server.legal_aid.conftest import id_number, wrong_check_digit

STRONG = "tulip-harbour-1987"


def form(**changes) -> dict:
    data = {
        "username": "wangwu",
        "password": STRONG,
        "full_name": "王五 Wang Wu",
        "phone": "13912345678",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def register(client: APIClient, **changes):
    return client.post("/api/v1/auth/register", form(**changes), format="json")


def test_registering_creates_an_applicant_at_the_top_organisation_and_logs_the_session_in(demo):
    client = APIClient(enforce_csrf_checks=True)
    response = register(client)
    assert response.status_code == 201, response.content
    user = response.json()["user"]
    assert user["username"] == "wangwu" and user["roles"] == ["applicant"]
    assert user["display_name"] == "王五 Wang Wu"
    assert [m["organisation"]["code"] for m in user["memberships"]] == ["LN"]  # the root of the tree
    # The browser session is logged in and has its CSRF cookie for the writes that follow.
    assert client.get("/api/v1/auth/me").json()["username"] == "wangwu"
    assert "csrftoken" in client.cookies
    assert client.post("/api/v1/auth/logout").status_code == 403  # no CSRF header: refused
    client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert client.post("/api/v1/auth/logout").status_code == 204
    # and the password works for a normal login
    login = APIClient().post("/api/v1/auth/login", {"username": "wangwu", "password": STRONG}, format="json")
    assert login.status_code == 200
    profile = ApplicantProfile.objects.get(user__username="wangwu")
    assert profile.phone == "13912345678" and profile.id_number == ""
    assert Event.objects.filter(action="user.registered", actor__username="wangwu").exists()


def test_registering_at_a_chosen_organisation_with_an_id_number(demo):
    number = id_number()[:17] + id_number()[17].lower()  # a lower-case x is fine too
    response = register(APIClient(), organisation=demo["LN-SY-HP"].pk, id_number=number)
    assert response.status_code == 201, response.content
    membership = Membership.objects.get(user__username="wangwu")
    assert membership.organisation.code == "LN-SY-HP" and membership.role == "applicant"
    assert ApplicantProfile.objects.get(user__username="wangwu").id_number == number.upper()


def test_a_registered_applicant_can_apply_at_once(demo, deploy_shipped):
    deploy_shipped("legal_consultation")
    client = APIClient()
    assert register(client, organisation=demo["LN-SY-HP"].pk).status_code == 201
    started = client.post(
        "/api/v1/instances",
        {"process": "legal_consultation", "data": {"question": "欠薪如何维权？"}},
        format="json",
    )
    assert started.status_code == 201, started.content
    assert started.json()["organisation"]["code"] == "LN-SY-HP"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "Applicant"}, "username"),  # taken, whatever the case
        ({"username": "wang wu"}, "username"),
        ({"username": None}, "username"),
        ({"password": "12345678"}, "password"),  # common and all digits
        ({"password": "short"}, "password"),
        ({"password": "wangwu-1"}, "password"),  # too like the username
        ({"full_name": "   "}, "full_name"),
        ({"phone": "call me"}, "phone"),
        ({"phone": None}, "phone"),
        ({"id_number": wrong_check_digit(id_number())}, "id_number"),
        ({"id_number": "12345"}, "id_number"),
        ({"organisation": 999999}, "organisation"),
        ({"organisation": "county"}, "organisation"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(demo, changes, field):
    response = register(APIClient(), **changes)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert not get_user_model().objects.filter(username="wangwu").exists()
    assert not get_user_model().objects.filter(username="wang wu").exists()


def test_every_problem_is_named_at_once_in_both_languages(demo):
    response = register(
        APIClient(), username="applicant", password="123", phone="x", id_number=wrong_check_digit(id_number())
    )
    errors = response.json()["errors"]
    assert set(errors) == {"username", "password", "phone", "id_number"}
    for messages in errors.values():
        assert all(" / " in message for message in messages), messages
    assert any("8" in message for message in errors["password"])  # at least 8 characters


def test_the_same_username_cannot_register_twice(demo):
    assert register(APIClient()).status_code == 201
    again = register(APIClient(), username="WangWu")
    assert again.status_code == 400 and "username" in again.json()["errors"]


def test_too_many_registrations_from_one_address_are_refused_with_when_to_try_again(demo, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "register", "2/hour")
    for name in ("wangwu", "zhaoliu"):
        assert register(APIClient(), username=name).status_code == 201
    refused = register(APIClient(), username="sunqi")
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("此网络地址注册过于频繁，请 60 分钟后再试。 / Too many")
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert not get_user_model().objects.filter(username="sunqi").exists()
    # Another address is not held up by this one.
    other = APIClient(REMOTE_ADDR="10.1.2.3")
    assert register(other, username="sunqi").status_code == 201

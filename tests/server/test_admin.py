"""Administrators keep the calendar, deadlines and each service line's reference data in the admin."""

import pytest
from django.contrib import admin
from django.test import Client


@pytest.fixture
def admin_client(demo):
    client = Client()
    # Through the admin's own login form (django-axes watches it as it watches the API's).
    login = {"username": "admin", "password": "lexflow-demo", "next": "/admin/"}
    assert client.post("/admin/login/", login).status_code == 302
    return client


def test_every_registered_model_has_a_working_list_and_add_page(admin_client):
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert admin_client.get(base).status_code == 200, base
        if admin.site._registry[model].has_add_permission(_request(admin_client)):
            assert admin_client.get(f"{base}add/").status_code == 200, f"{base}add/"


def test_an_administrator_adds_a_make_up_working_day_through_the_admin(admin_client):
    from datetime import date

    from server.core import calendar

    assert not calendar.is_working_day(date(2027, 2, 20))
    response = admin_client.post(
        "/admin/core/calendaroverride/add/",
        {"day": "2027-02-20", "is_working_day": "on", "name": "春节调休 / Make-up day"},
    )
    assert response.status_code == 302, response.content
    assert calendar.is_working_day(date(2027, 2, 20))


def test_an_administrator_sets_an_organisations_deadline_through_the_admin(admin_client, demo):
    from server.processes.deadlines import deadline_for, register_deadline

    register_deadline("test.admin", 7, "days", "测试 / Test")
    response = admin_client.post(
        "/admin/processes/deadlinesetting/add/",
        {
            "organisation": demo["LN-SY"].pk,
            "key": "test.admin",
            "amount": 10,
            "unit": "working_days",
            "warn_before": 2,
        },
    )
    assert response.status_code == 302, response.content
    rule = deadline_for("test.admin", "LN-SY-HP")
    assert (rule.amount, rule.unit, rule.source) == (10, "working_days", "LN-SY")


def _request(client):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="admin")
    return request


def test_cases_tasks_and_timers_are_read_only_in_the_admin(admin_client, client_for, approval):
    from server.processes.models import HumanTask, ProcessInstance, Timer
    from tests.server.conftest import start_approval

    start_approval(client_for("applicant"))
    for model in (ProcessInstance, HumanTask, Timer):
        row = model.objects.first()
        base = f"/admin/processes/{model._meta.model_name}/"
        assert admin_client.get(f"{base}add/").status_code == 403, base
        page = admin_client.get(f"{base}{row.pk}/change/")
        assert page.status_code == 200 and b'name="_save"' not in page.content, base  # a view, no form
        assert admin_client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403, base

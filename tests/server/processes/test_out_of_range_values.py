"""A value a script produces that no column or JSON can hold — NaN, an infinity, a priority of
10**30, a due date in year 9999 — fails the step that produced it with a 422 naming it, and
nothing is stored (issue 10, item 5)."""

from __future__ import annotations

import pytest

from server.processes.models import HumanTask, ProcessInstance, Timer
from tests.conftest import fixture_files
from tests.server.conftest import start_case, upload


@pytest.fixture
def caseworker(client_for):
    assert upload(client_for("designer"), fixture_files("out_of_range")).status_code == 201
    return client_for("caseworker")


@pytest.mark.parametrize(
    ("what", "element", "says"),
    [
        ("nan", "produce", "set score to nan"),
        ("inf", "produce", "set detail.ratios.1 to -inf"),
        ("priority", "handle", "priority of handle evaluated to 1000000000000000000000000000000"),
        ("due", "handle", "due date of handle is '9999-12-31T23:59:59-14:00', outside the years"),
        ("duration", "handle", "longer than 100 years"),
        ("timer", "late", "late: OverflowError: date value out of range"),
    ],
)
def test_a_value_out_of_range_fails_the_step_that_produced_it_and_stores_nothing(
    caseworker, what, element, says
):
    refused = start_case(caseworker, "test_out_of_range", {"what": what}, status=422)
    assert element in refused["errors"], refused
    assert says in refused["detail"], refused["detail"]
    assert not ProcessInstance.objects.exists()
    assert not HumanTask.objects.exists() and not Timer.objects.exists()


def test_values_in_range_go_through(caseworker):
    case = start_case(caseworker, "test_out_of_range", {"what": "ok"})
    assert case["data"]["score"] == 1.5 and case["tasks"][0]["priority"] == 50

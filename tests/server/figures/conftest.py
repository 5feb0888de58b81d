"""Helpers of the supervision API tests: every figure a line's stats report adds up to its cases."""

from __future__ import annotations

import csv
import io

import pytest

from server.processes.figures_api import figure_rows, line_figures

# The service lines' fixtures, and the known mixes of their stats tests under one name each.
from tests.server.complaints.conftest import complaint_process, shenhe_staff  # noqa: F401 - fixtures
from tests.server.complaints.test_stats import known_mix as complaint_mix  # noqa: F401
from tests.server.legal_aid.conftest import legal_aid, reference_data  # noqa: F401
from tests.server.legal_aid.test_stats import march_cases as legal_aid_mix  # noqa: F401
from tests.server.mediation.conftest import accept, bring, mediation, township  # noqa: F401
from tests.server.mediation.test_stats import known_mix as mediation_mix  # noqa: F401
from tests.server.notary.conftest import notary_process  # noqa: F401


@pytest.fixture
def steps():
    """The known mixes of the stats tests run under `steps` (warm and restored); their figures
    are what is checked there. Here the mix is only the data, built once."""
    return "warm"


def stats(client, line: str, params: dict) -> dict:
    response = client.get(f"/api/v1/{line}/stats", params)
    assert response.status_code == 200, response.content
    return response.json()


def drill(client, line: str, figure: str, params: dict, *, status: int = 200):
    response = client.get("/api/v1/figures/cases", {"line": line, "figure": figure, **params})
    assert response.status_code == status, response.content
    return response.json()


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())  # the BOM Excel needs for Chinese
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def every_figure_adds_up(client, line: str, params: dict) -> dict[str, int]:
    """For every count of cases in `GET /<line>/stats`, `GET /figures/cases` lists exactly that
    many cases, all of them in the cohort; every number of the answer has a bilingual name, and
    the CSV export carries the same numbers. Returns {figure: count}."""
    answer = stats(client, line, params)
    figures = line_figures(line)
    rows = figure_rows(figures, answer)
    cohort_key = next(key for key in figures.figures if key.endswith("received"))
    cohort = {row["instance"] for row in drill(client, line, cohort_key, params)}
    checked: dict[str, int] = {}
    for key, label, value in rows:
        assert label != key and " / " in label, f"{key} has no bilingual name"
        if figures.figure(key) is None:
            continue
        cases = drill(client, line, key, params)
        ids = [row["instance"] for row in cases]
        assert len(ids) == value, f"{line} {key}: stats say {value}, cases {ids}"
        assert len(set(ids)) == len(ids) and set(ids) <= cohort, key
        checked[key] = value
    assert set(figures.figures) <= set(checked), "every figure of the line appears in its stats"

    exported = csv_rows(client.get(f"/api/v1/{line}/stats", {**params, "format": "csv"}))
    assert exported[0][:3] == ["指标 / Figure", "说明 / Description", "数值 / Value"]
    assert [(row[0], row[1]) for row in exported[1:]] == [(key, label) for key, label, _ in rows]
    numbers = {row[0]: row[2] for row in exported[1:]}
    for key, value in checked.items():
        assert numbers[key] == str(value), key
    return checked

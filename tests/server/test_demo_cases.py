"""`make run` seeds a realistic demo: every service line has cases at many stages, some overdue."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from server.processes.models import HumanTask, ProcessInstance

SERVICE_LINES = ("legal_aid_application", "notary_intake", "mediation", "complaint")
FIGURES = (
    "/api/v1/legal-aid/stats",
    "/api/v1/notary/stats",
    "/api/v1/mediation/stats",
    "/api/v1/complaints/stats",
)


@pytest.fixture
def seeded(client_for, deploy_shipped):
    for process in SERVICE_LINES:
        deploy_shipped(process)
    call_command("seed_demo_cases", per_line=12, seed=7, verbosity=0)


def test_every_service_line_gets_cases_at_several_stages_with_some_overdue(seeded):
    for process in SERVICE_LINES:
        cases = ProcessInstance.objects.filter(definition__key=process)
        assert cases.count() >= 10, process
        stages = Counter(cases.values_list("stage", flat=True))
        assert len(stages) >= 3, f"{process}: only stages {dict(stages)}"
        assert all(stage for stage in stages), f"{process}: a case without a stage"
        assert cases.filter(status="completed").exists(), process
        assert cases.filter(status="running").exists(), process
    overdue = HumanTask.objects.filter(status="open", due_at__lt=timezone.now())
    assert overdue.exists()
    assert not ProcessInstance.objects.filter(status="error").exists()


def test_seeding_again_adds_nothing(seeded):
    before = ProcessInstance.objects.count()
    call_command("seed_demo_cases", per_line=12, seed=7, verbosity=0)
    assert ProcessInstance.objects.count() == before


def test_the_supervisor_sees_figures_for_every_service_line(seeded, client_for):
    supervisor = client_for("supervisor")
    since = timezone.localdate() - timedelta(days=120)
    for url in FIGURES:
        response = supervisor.get(f"{url}?from={since.isoformat()}")
        assert response.status_code == 200, (url, response.content)
        assert response.json()["scope"]["organisation"]["code"] == "LN-SY"


def test_the_demo_has_a_case_of_each_operation_for_the_console(seeded):
    assert (
        HumanTask.objects.filter(status="open", bpmn_id="check_completeness")
        .exclude(return_reason="")
        .exists()
    )
    assert ProcessInstance.objects.filter(
        definition__key="legal_aid_application", status="suspended"
    ).exists()
    assert (
        ProcessInstance.objects.filter(definition__key="mediation", status="cancelled")
        .exclude(end_reason="")
        .exists()
    )
    assert ProcessInstance.objects.filter(definition__key="complaint", status="withdrawn").exists()


def test_the_demo_s_history_is_one_whole_chain_and_its_closed_cases_get_archives(seeded):
    """The demo back-dates its cases, but each case's events run forward in time and every
    milestone sits with its step: the verification finds the whole chain sound."""
    from server.audit.selectors import chain_walk
    from server.documents.archives import archives_build_pending, closed_cases_without_archive
    from server.documents.models import Archive

    report = chain_walk()
    assert report.ok, report.as_dict()
    closed = closed_cases_without_archive().count()
    assert closed > 0
    # The worker renders notices first, then builds archives one at a time.
    from server.documents.models import Document
    from server.documents.services import document_render

    for case in closed_cases_without_archive().order_by("completed_at", "id")[:2]:
        for document in Document.objects.filter(instance=case, rendered_at__isnull=True):
            document_render(document)
    built = archives_build_pending(limit=2)
    assert len(built.built) == 2 and not built.failed
    assert Archive.objects.count() == 2 and closed_cases_without_archive().count() == closed - 2

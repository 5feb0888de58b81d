"""Demo cases as the case and task operations leave them, for `make run`: one legal-aid file sent
back to its completeness check, one suspended while waiting for a court, a mediation registered
twice and cancelled, a complaint its complainant withdrew. The console and the workbench then have
something of each to show. Each is done through the real services; one that does not apply to the
seeded cases (a different random seed) is left out."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from server.processes.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus

logger = logging.getLogger("lexflow.processes")


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _running(process: str):
    return ProcessInstance.objects.filter(definition__key=process, status=InstanceStatus.RUNNING).order_by(
        "id"
    )


def seed_operations() -> list[str]:
    """Apply the demo operations; returns what was done, in words."""
    from server.processes.services import instance_cancel, instance_suspend, instance_withdraw, task_return

    done: list[str] = []
    reviewer, director, admin = _user("reviewer"), _user("director"), _user("admin")

    def attempt(what: str, action) -> None:
        try:
            action()
            done.append(what)
        except Exception as exc:  # the demo goes on without it
            logger.warning("demo operation %r skipped: %s", what, exc)

    decide = (
        HumanTask.objects.filter(
            bpmn_id="decide",
            status=TaskStatus.OPEN,
            instance__definition__key="legal_aid_application",
            instance__status=InstanceStatus.RUNNING,
        )
        .filter(assignee__isnull=True)
        .order_by("id")
        .first()
    )
    if decide is not None and reviewer is not None:
        attempt(
            "returned a legal-aid decision to its completeness check",
            lambda: task_return(
                task_id=decide.pk,
                user=reviewer,
                to="check_completeness",
                reason="缺少家庭经济困难状况说明 / The hardship statement is missing",
            ),
        )
    waiting = _running("legal_aid_application").exclude(tasks__return_reason__gt="").first()
    if waiting is not None and director is not None:
        attempt(
            "suspended a legal-aid case",
            lambda: instance_suspend(
                instance_id=waiting.pk,
                user=director,
                reason="等待法院调取证据 / Waiting for the court's evidence",
            ),
        )
    twice = _running("mediation").first()
    if twice is not None and admin is not None:
        attempt(
            "cancelled a mediation registered twice",
            lambda: instance_cancel(instance_id=twice.pk, user=admin, reason="重复登记 / Registered twice"),
        )
    complaint = _running("complaint").filter(applicant__isnull=False).first()
    if complaint is not None:
        attempt(
            "withdrew a complaint",
            lambda: instance_withdraw(
                instance_id=complaint.pk,
                user=complaint.applicant,
                reason="问题已当面解决 / Sorted out in person",
            ),
        )
    return done

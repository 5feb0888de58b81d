"""The Celery side of background jobs: one task that runs one outbox job by id."""

import socket

from celery import shared_task

from server.jobs.services import job_run


@shared_task(name="lexflow.run_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> str:
    """Claim and run job `job_id`; a second delivery of the same job finds it taken or done."""
    from celery import current_task

    runner = f"{socket.gethostname()}:celery:{current_task.request.hostname or ''}"
    return job_run(job_id, runner=runner)

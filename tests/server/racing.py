"""Races with real threads: each racer is a thread with its own database connection, kept for
the whole test, and every round lets all of them go at the same moment."""

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection
from rest_framework.test import APIClient


class Racers:
    """`with Racers(2) as racers: racers.race(call_a, call_b)` -> [result_a, result_b].

    A result is what the call returned, or the exception it raised (a 500 in the test
    client raises the view's exception). Each thread keeps its connection between rounds, so
    a round costs two requests, not two connections.
    """

    def __init__(self, size: int) -> None:
        self._jobs: list[queue.Queue] = [queue.Queue() for _ in range(size)]
        self._results: queue.Queue = queue.Queue()
        self._barrier = threading.Barrier(size)
        self._threads = [
            threading.Thread(target=self._serve, args=(index,), daemon=True) for index in range(size)
        ]

    def __enter__(self) -> "Racers":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for jobs in self._jobs:
            jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=60)

    def _serve(self, index: int) -> None:
        _detect_deadlocks_quickly()
        try:
            while (call := self._jobs[index].get()) is not None:
                try:
                    self._barrier.wait()
                    result = call()
                except BaseException as exc:  # noqa: BLE001 - the test counts it
                    result = exc
                self._results.put((index, result))
        finally:
            connection.close()

    def race(self, *calls: Callable[[], Any], stagger: float = 0.0) -> list[Any]:
        """Run one call per thread from the same moment; with `stagger`, each after a random
        pause of up to that many seconds, so that every order of their statements comes up
        (without it the quicker of two operations nearly always reaches the database first)."""
        assert len(calls) == len(self._jobs)
        for jobs, call in zip(self._jobs, calls, strict=True):
            jobs.put(_after_pause(call, random.uniform(0, stagger)) if stagger else call)
        results: list[Any] = [None] * len(calls)
        for _ in calls:
            index, result = self._results.get(timeout=120)
            results[index] = result
        return results


def _after_pause(call: Callable[[], Any], pause: float) -> Callable[[], Any]:
    def paused() -> Any:
        time.sleep(pause)
        return call()

    return paused


def _detect_deadlocks_quickly() -> None:
    """PostgreSQL looks for a deadlock after `deadlock_timeout` (1 s) of waiting: look after
    0.1 s in the racers, so a run on code that deadlocks shows every one without taking minutes.
    It changes when a deadlock is noticed, never whether there is one (superusers only; else 1 s)."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET deadlock_timeout = '100ms'")
    except DatabaseError:
        connection.close()


def token_client(client: APIClient) -> APIClient:
    """A fresh client with the same credentials, for another thread (APIClient is not thread-safe).

    A server error comes back as the 500 it is rather than raised: the test client's exception
    signal is process-wide, so a raising client would also raise another thread's exception.
    """
    fresh = APIClient(raise_request_exception=False)
    fresh.credentials(**client._credentials)
    return fresh


def status_of(result: Any) -> int | str:
    """An HTTP status; "500 deadlock" for a server error that was one; "raised …" for a call that raised."""
    if isinstance(result, BaseException):
        return f"raised {type(result).__name__}: {str(result)[:200]}"
    if result.status_code == 500 and "deadlock detected" in str(getattr(result, "exc_info", None) or ""):
        return "500 deadlock"
    return result.status_code


class ErrorLog(logging.Handler):
    """Collects the ERROR records a logger writes from one thread (the timer sweep logs, and
    swallows, what fails on one instance)."""

    def __init__(self, logger: str) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._logger = logging.getLogger(logger)

    def __enter__(self) -> "ErrorLog":
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._logger.removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self, thread: int) -> list[str]:
        """The messages (with their exception) logged from `thread` since the last take."""
        mine = [record for record in self.records if record.thread == thread]
        self.records = [record for record in self.records if record.thread != thread]
        return [f"{record.getMessage()}: {record.exc_info[1] if record.exc_info else ''}" for record in mine]

"""While the database is out of reach the API says so: 503 with Retry-After and a problem body,
never a 500, and it answers again as soon as the database is back.

The shared PostgreSQL server keeps running (others test against it): Django reaches it
through a TCP proxy that the test cuts, which looks to Django exactly like a restart — open
connections dropped, new ones refused. On SQLite the database file becomes unreachable.
"""

import contextlib
import socket
import threading

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection
from django.test import Client
from rest_framework.test import APIClient

from server.processes.models import ProcessInstance

pytestmark = pytest.mark.django_db(transaction=True)


class TcpProxy:
    """Forwards a local port to PostgreSQL until `cut()`, which closes the port (connection
    refused) and drops every forwarded connection, until `restore()` opens the port again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def cut(self) -> None:
        if self._listener is not None:
            _close(self._listener)  # wakes the acceptor; from now on connecting is refused
            self._acceptor.join(timeout=5)
            self._listener = None
        with self._lock:
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class DatabaseLink:
    """Whatever stands between Django and its database, cut and restored like an outage."""

    def __init__(self) -> None:
        self.settings = connection.settings_dict
        self.saved = dict(self.settings)
        self.proxy = None
        if connection.vendor == "postgresql":
            self.proxy = TcpProxy(self.settings["HOST"] or "127.0.0.1", int(self.settings["PORT"] or 5432))

    def restore(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
            self.settings.update(HOST="127.0.0.1", PORT=str(self.proxy.port))
        else:
            self.settings["NAME"] = self.saved["NAME"]

    def cut(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()  # the open connection breaks under Django, as in a restart
        else:
            # A file database has no connection to break: its directory is gone (an unmounted
            # volume), so the next connection cannot open it.
            connection.close()
            self.settings["NAME"] = "/nonexistent-lexflow-volume/lexflow.sqlite3"

    def reset(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()
        connection.close()
        self.settings.clear()
        self.settings.update(self.saved)


@pytest.fixture
def database_link(client_for):
    """Set up the demo first, straight to the database; then the connection goes through the link."""
    link = DatabaseLink()
    connection.close()
    link.restore()
    yield link
    link.reset()


def _token_client(client: APIClient) -> APIClient:
    fresh = APIClient(raise_request_exception=False)
    fresh.credentials(**client._credentials)
    return fresh


def _between_requests() -> None:
    """What the WSGI handler does at the end and start of every request (the test client leaves
    it out): drop a connection that failed, so the next request connects afresh."""
    close_old_connections()


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503
    assert body["type"] == "urn:lexflow:problem:database_unavailable"
    assert body["title"] == "服务暂不可用 / Service unavailable"
    assert "稍后重试" in body["detail"] and "try again" in body["detail"]


def test_the_api_answers_503_with_retry_after_while_the_database_is_down_and_recovers(
    client_for, approval, database_link
):
    caseworker, applicant = _token_client(client_for("caseworker")), _token_client(client_for("applicant"))
    assert caseworker.get("/api/v1/tasks").status_code == 200
    cases = ProcessInstance.objects.count()

    database_link.cut()
    # The request's connection is dropped under it (PostgreSQL), or cannot be opened (SQLite).
    _assert_unavailable(caseworker.get("/api/v1/tasks"))
    _between_requests()
    # The next one finds the port closed: connection refused.
    start = {"process": "test_approval", "data": {"urgent": False, "review_timeout": "P30D"}}
    _assert_unavailable(applicant.post("/api/v1/instances", start, format="json"))
    _between_requests()
    login = {"username": "caseworker", "password": "lexflow-demo"}
    _assert_unavailable(
        APIClient(raise_request_exception=False).post("/api/v1/auth/login", login, format="json")
    )
    _between_requests()

    database_link.restore()
    assert caseworker.get("/api/v1/tasks").status_code == 200
    assert ProcessInstance.objects.count() == cases  # the start during the outage saved nothing
    assert applicant.post("/api/v1/instances", start, format="json").status_code == 201


def test_a_django_page_outside_the_api_answers_503_too(demo, database_link):
    """The admin is a plain Django view: its session lookup fails in Django's handler, not DRF's."""
    browser = Client(raise_request_exception=False)
    browser.force_login(get_user_model().objects.get(username="admin"))
    assert browser.get("/admin/").status_code == 200

    database_link.cut()
    _assert_unavailable(browser.get("/admin/"))
    _between_requests()
    database_link.restore()
    assert browser.get("/admin/").status_code == 200


def test_a_deadlock_or_a_missing_table_is_a_server_error_not_an_outage():
    """Only an unreachable database is a 503: a deadlock or a missing table is our bug (a 500)."""
    from server.core.errors import database_unavailable

    with pytest.raises(DatabaseError) as missing, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM lexflow_no_such_table")
    assert not database_unavailable(missing.value)

    def wrapped(error: Exception) -> Exception:
        """As Django's DatabaseErrorWrapper hands a PostgreSQL error on."""
        django_error = {"InterfaceError": InterfaceError}.get(type(error).__name__, OperationalError)(
            *error.args
        )
        django_error.__cause__ = error
        return django_error

    assert not database_unavailable(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert database_unavailable(wrapped(psycopg.OperationalError("connection refused")))
    assert database_unavailable(wrapped(psycopg.errors.AdminShutdown("terminating connection")))

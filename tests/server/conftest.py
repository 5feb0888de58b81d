import pytest
from rest_framework.test import APIClient

from tests.conftest import fixture_files


@pytest.fixture
def demo(db):
    from server.accounts.demo import seed_demo

    return seed_demo()


@pytest.fixture
def client_for(demo):
    """client_for("caseworker") -> an APIClient logged in through the real login endpoint."""
    clients = {}

    def make(username: str) -> APIClient:
        if username not in clients:
            client = APIClient()
            response = client.post(
                "/api/v1/auth/login", {"username": username, "password": "lexflow-demo"}, format="json"
            )
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
            clients[username] = client
        return clients[username]

    return make


def upload(client, files: dict[str, bytes], **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = [SimpleUploadedFile(name, content) for name, content in files.items()]
    return client.post("/api/v1/processes", {"files": uploads, **extra}, format="multipart")


@pytest.fixture
def approval(client_for):
    """The two-user-task test process, deployed by the designer and open to applicants."""
    response = upload(client_for("designer"), fixture_files("approval"), public="true")
    assert response.status_code == 201, response.content
    return response.json()[0]


def start_approval(client, *, urgent: bool = False, review_timeout: str = "P30D", **extra):
    response = client.post(
        "/api/v1/instances",
        {"process": "test_approval", "data": {"urgent": urgent, "review_timeout": review_timeout, **extra}},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


VALID_REVIEW = {"complete": True, "applicant": {"id_number": "11010519491231002X"}}

from tests.server.complaints.conftest import complaint_process  # noqa: F401 - fixture

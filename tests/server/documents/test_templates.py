"""The notices a diagram may name: each has a template, an unknown one fails the deploy (or, for
a diagram deployed before, the step that reaches it), and a notice copes with missing data."""

from __future__ import annotations

import re
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from server.documents import services
from server.documents.catalogue import NOTICES
from server.documents.models import Document
from server.processes.models import HumanTask, ProcessDefinition, ProcessInstance
from tests.server.conftest import BPMN_DIR, shipped_files, upload
from tests.server.documents.conftest import INELIGIBLE, documents_of, pdf_text

TEMPLATES = Path(services.__file__).parent / "templates" / "documents"


def test_every_notice_has_a_template_and_every_shipped_diagram_names_known_notices():
    files = {
        path.relative_to(TEMPLATES).with_suffix("").as_posix()
        for path in TEMPLATES.rglob("*.html")
        if path.name != "base.html"
    }
    assert files == set(NOTICES)
    named = {
        key: path.parent.name
        for path in BPMN_DIR.glob("*/*.bpmn")
        for key in re.findall(r'name="document" value="([^"]+)"', path.read_text(encoding="utf-8"))
    }
    # All eleven notices are issued by the shipped processes, each by its own service line.
    assert set(named) == set(NOTICES)
    lines = {"legal_aid": "legal_aid_application", "notary": "notary_intake"}
    assert all(folder == lines.get(key.split("/")[0], key.split("/")[0]) for key, folder in named.items())


def test_a_diagram_naming_an_unknown_notice_fails_its_deploy_with_the_node_and_line(client_for):
    files = shipped_files("complaint")
    bpmn = files["complaint.bpmn"].decode()
    assert 'value="complaint/reply"' in bpmn
    files["complaint.bpmn"] = bpmn.replace('value="complaint/reply"', 'value="complaint/answer"').encode()

    response = upload(client_for("designer"), files, public="true")
    assert response.status_code == 400, response.content
    [error] = response.json()["deploy_errors"]
    line = bpmn[: bpmn.index('id="replied"')].count("\n") + 1
    assert error["file"] == "complaint.bpmn" and error["line"] == line
    assert error["element_id"] == "replied" and error["tag"] == "intermediateThrowEvent"
    assert "'complaint/answer'" in error["message"] and "unknown document template" in error["message"]
    assert not ProcessDefinition.objects.filter(key="complaint").exists()  # nothing deployed


def test_a_notice_unknown_when_the_node_is_reached_stops_that_step_with_the_node_named(
    client_for, complaint_process, clock, monkeypatch
):
    """A diagram deployed while the notice existed, reached after it left the catalogue: the
    step fails as a whole (422) rather than going on without the notice the applicant is owed."""
    from tests.server.complaints.conftest import complain

    caseworker = client_for("caseworker")
    case = complain(client_for("applicant"), target_type="other")
    task = HumanTask.objects.get(instance_id=case["id"], bpmn_id="check_eligibility")
    assert caseworker.post(f"/api/v1/tasks/{task.pk}/claim").status_code == 200
    monkeypatch.delitem(NOTICES, "complaint/ineligible")

    response = caseworker.post(f"/api/v1/tasks/{task.pk}/complete", {"data": INELIGIBLE}, format="json")
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["detail"].startswith("not_accepted: ") and "'complaint/ineligible'" in problem["detail"]
    assert list(problem["errors"]) == ["not_accepted"]
    task.refresh_from_db()
    assert task.status == "open" and ProcessInstance.objects.get(pk=case["id"]).status == "running"
    assert documents_of(case["id"]) == []  # nothing was saved

    monkeypatch.undo()
    completed = caseworker.post(f"/api/v1/tasks/{task.pk}/complete", {"data": INELIGIBLE}, format="json")
    assert completed.status_code == 200  # with the notice back, the same step goes through
    assert [document.template for document in documents_of(case["id"])] == ["complaint/ineligible"]


def test_every_notice_renders_with_its_optional_data_missing(client_for, complaint_process, clock):
    from tests.server.complaints.conftest import complain

    instance = ProcessInstance.objects.get(pk=complain(client_for("applicant"))["id"])
    for notice in NOTICES.values():
        document = Document(
            instance=instance,
            template=notice.key,
            title=notice.full_title,
            verification_code="LXF-TEST-TEST-TT",
            data={},
            created_at=timezone.now(),
        )
        html = render_to_string(notice.template_name, services._context(document))
        assert notice.title in html and "—" in html, notice.key
        assert "LXF-TEST-TEST-TT" in html
    # And one of them all the way to a PDF.
    text = pdf_text(services._render_pdf(document))
    assert notice.title in text and "—" in text


def test_the_wording_of_form_codes_comes_from_the_forms():
    from server.processes.engine import engine

    package = engine().compile(shipped_files("legal_aid_application"))
    labels = services.choice_labels(package)
    assert labels["material"]["id_document"] == "身份证明 / Proof of identity"
    assert labels["case_type"]["civil"] == "民事 / Civil"
    assert labels["objection_outcome"]["rejected"].startswith("异议不成立")


def test_the_qr_code_encodes_the_public_verification_address(settings):
    import segno

    from server.documents.services import verify_qr, verify_url

    settings.LEXFLOW = {**settings.LEXFLOW, "PUBLIC_URL": "https://gov.example.cn"}
    assert verify_url("LXF-ABCD-EFGH-JK") == "https://gov.example.cn/api/v1/documents/verify/LXF-ABCD-EFGH-JK"
    expected = segno.make("https://gov.example.cn/api/v1/documents/verify/LXF-ABCD-EFGH-JK", error="m")
    assert verify_qr("LXF-ABCD-EFGH-JK") == expected.svg_data_uri(scale=3, border=0)

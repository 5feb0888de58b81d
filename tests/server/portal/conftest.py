"""Fixtures of the applicant-portal tests: files of every kind, uploads, a small process with
upload fields for the applicant and for a caseworker, and the shipped legal-aid process."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

# The legal-aid scenario fixtures (the shipped process with its reference data).
from tests.server.legal_aid.conftest import legal_aid, reference_data  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)


def zipped(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in names:
            package.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX = zipped(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
XLSX = zipped(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"])


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a folder of this test, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload_file(client, name: str, content: bytes, **extra):
    return client.post(
        "/api/v1/attachments", {"file": SimpleUploadedFile(name, content), **extra}, format="multipart"
    )


def uploaded(client, name: str = "proof.pdf", content: bytes = PDF, **extra) -> str:
    """Upload a file as `client`; returns its id."""
    response = upload_file(client, name, content, **extra)
    assert response.status_code == 201, response.content
    return response.json()["id"]


# ---------------------------------------------------------------------------------------------
# A small process: an application with uploads (also in a list of parties), then a caseworker's
# review that may attach its own files.

FILING = "test_filing"
FILING_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_filing" targetNamespace="https://lexflow.dev/bpmn">
  <bpmn:process id="test_filing" name="材料提交 / Filing" isExecutable="true">
    <bpmn:laneSet id="LaneSet_filing">
      <bpmn:lane id="Lane_caseworker" name="caseworker">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="提交 / Filed">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="file.schema.json"/>
        <spiffworkflow:property name="formUiSchemaFilename" value="file.uischema.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="review" name="审查 / Review">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json"/>
        <spiffworkflow:property name="formUiSchemaFilename" value="review.uischema.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done" name="完成 / Done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
"""
UPLOADS = {"type": "array", "items": {"type": "string", "format": "uuid"}, "maxItems": 20}
FILING_FORMS = {
    "file.schema.json": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "提交 / Filing",
        "type": "object",
        "properties": {
            "note": {"type": "string", "title": "说明 / Note"},
            "documents": {**UPLOADS, "title": "材料 / Documents"},
            "parties": {
                "type": "array",
                "title": "当事人 / Parties",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "title": "姓名 / Name"},
                        "documents": {**UPLOADS, "title": "材料 / Documents"},
                    },
                },
            },
        },
    },
    "file.uischema.json": {"documents": {"ui:widget": "attachments"}},
    "review.schema.json": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "审查 / Review",
        "type": "object",
        "properties": {"findings_files": {**UPLOADS, "title": "审查材料 / Findings"}},
    },
    "review.uischema.json": {"findings_files": {"ui:widget": "attachments"}},
}


def filing_files() -> dict[str, bytes]:
    files = {"filing.bpmn": FILING_BPMN.encode()}
    files.update({name: json.dumps(form, ensure_ascii=False).encode() for name, form in FILING_FORMS.items()})
    return files


@pytest.fixture
def filing(client_for):
    """The filing process, deployed by the designer and open to applicants."""
    from tests.server.conftest import upload

    response = upload(client_for("designer"), filing_files(), public="true")
    assert response.status_code == 201, response.content
    return response.json()[0]

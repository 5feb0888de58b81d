"""Fixtures of the official-document tests: the service lines' own fixtures, and PDF reading."""

from __future__ import annotations

import io
import re

import pytest

from server.documents.models import Document
from tests.server.complaints.conftest import complaint_process  # noqa: F401 - fixtures
from tests.server.legal_aid.conftest import legal_aid, reference_data  # noqa: F401
from tests.server.mediation.conftest import accept, bring, mediation, township  # noqa: F401
from tests.server.notary.conftest import notary_process  # noqa: F401

REASON = "物业服务纠纷不属于法律服务投诉，请向住房和城乡建设部门反映。"
INELIGIBLE = {"eligible": False, "ineligible_ground": "not_legal_service", "ineligible_reason": REASON}


def pdf_text(pdf: bytes) -> str:
    """The text of every page with all whitespace removed (PDF text extraction breaks lines
    and spaces wherever the layout does)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def documents_of(case_id: int) -> list[Document]:
    return list(Document.objects.filter(instance_id=case_id).order_by("id"))


@pytest.fixture
def ineligible_complaint(client_for, complaint_process, clock):  # noqa: F811
    """A complaint by `applicant` about a property company, refused as not about legal
    services: the case (as the applicant sees it) right after the refusal."""
    from tests.server.complaints.conftest import complain
    from tests.server.conftest import do_task

    case = complain(client_for("applicant"), target_type="other", target_name="某物业公司 A property company")
    return do_task(client_for("caseworker"), case["id"], "check_eligibility", INELIGIBLE)

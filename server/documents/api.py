"""Official documents: a case's notices, their PDFs, and the public check of a verification code."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.selectors import user_is_staff_member
from server.core.errors import Conflict
from server.documents.archives import ARCHIVE_TITLE, CLOSED_STATUSES, ArchiveUnavailable, archive_for
from server.documents.models import Archive, Document
from server.documents.services import DocumentUnavailable, document_render, verification_code_normalise
from server.documents.templatetags.notices import cn_date
from server.processes.selectors import instances_visible_to

NOT_FOUND = "未找到该文书 / No such document."
NO_CASE = "未找到该案件 / No such case."
UNKNOWN_CODE = (
    "未找到与该验证码对应的文书，请核对验证码后重试；如仍无法核验，该文书可能不是本系统出具的。/ "
    "No document has this verification code. Check the code and try again; if it still fails, "
    "the document was not issued by this system."
)
RETRY_AFTER_SECONDS = 30


class DocumentBeingPrepared(exceptions.APIException):
    """503 with Retry-After: the PDF could not be rendered just now; the document is safe."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "文书正在生成，请稍后重试 / The document is being prepared; try again shortly."
    default_code = "document_unavailable"
    wait = RETRY_AFTER_SECONDS  # DRF's handler turns this into a Retry-After header


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; errors still go out as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    template = serializers.CharField()
    title = serializers.CharField(help_text="中文 / English")
    verification_code = serializers.CharField()
    created_at = serializers.DateTimeField()
    rendered = serializers.BooleanField(source="is_rendered", help_text="whether the PDF exists yet")
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, document: Document) -> str:
        path = reverse("document-pdf", kwargs={"pk": document.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class VerificationSerializer(serializers.Serializer):
    genuine = serializers.BooleanField()
    kind = serializers.ChoiceField(
        choices=["notice", "archive"], help_text="an official notice, or a closed case's archive (卷宗)"
    )
    verification_code = serializers.CharField()
    title = serializers.CharField(help_text="中文 / English")
    organisation = serializers.CharField(help_text="the issuing organisation")
    organisation_en = serializers.CharField(allow_blank=True)
    case_number = serializers.CharField()
    issued_on = serializers.DateField()
    issued_on_display = serializers.CharField(help_text="e.g. 2026年3月9日")
    sha256 = serializers.CharField(
        allow_null=True,
        help_text="of the PDF as issued (null until it is first rendered); of the ZIP for an archive",
    )
    pdf_sha256 = serializers.CharField(
        required=False, help_text="an archive's: of the archive PDF inside the ZIP"
    )


class InstanceDocumentListApi(APIView):
    @extend_schema(
        responses={200: DocumentSerializer(many=True), 404: OpenApiResponse(description="no such case")},
        summary="The official documents of a case",
    )
    def get(self, request: Request, pk: int) -> Response:
        if not instances_visible_to(request.user).filter(pk=pk).exists():
            raise exceptions.NotFound(NO_CASE)
        documents = Document.objects.filter(instance_id=pk).defer("pdf", "data").order_by("id")
        return Response(DocumentSerializer(documents, many=True, context={"request": request}).data)


class DocumentPdfApi(APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="no such document, or not yours to see"),
            503: OpenApiResponse(description="the PDF could not be rendered just now; retry (Retry-After)"),
        },
        summary="Download a document's PDF (rendered on first download)",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        document = (
            Document.objects.filter(pk=pk, instance__in=instances_visible_to(request.user).values("pk"))
            .select_related("instance__organisation", "instance__definition")
            .first()
        )
        if document is None:
            raise exceptions.NotFound(NOT_FOUND)
        try:
            pdf = document_render(document)
        except DocumentUnavailable as exc:
            raise DocumentBeingPrepared() from exc
        title = document.title.split(" / ")[0]
        filename = f"{title}-{document.instance.business_key or document.verification_code}.pdf"
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Content-Length"] = str(len(pdf))
        response["ETag"] = f'"{document.sha256}"'
        response["Cache-Control"] = "private, no-cache"
        return response


class DocumentVerifyApi(APIView):
    """Public: anyone holding a notice can check it is genuine. Answers only what is printed
    on every notice anyway (title, issuer, case number, date) and the PDF's sha256, never
    names or case data."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={
            200: VerificationSerializer,
            404: OpenApiResponse(description="no document has this code"),
        },
        summary="Check a verification code (no login)",
    )
    def get(self, request: Request, code: str) -> Response:
        canonical = verification_code_normalise(code)
        document = None
        if canonical is not None:
            document = (
                Document.objects.filter(verification_code=canonical)
                .select_related("instance__organisation")
                .only(
                    "verification_code",
                    "title",
                    "created_at",
                    "sha256",
                    "instance__business_key",
                    "instance__organisation__name",
                    "instance__organisation__name_en",
                )
                .first()
            )
        if document is None:
            archive = (
                Archive.objects.filter(verification_code=canonical)
                .select_related("instance__organisation")
                .defer("zip", "manifest")
                .first()
                if canonical is not None
                else None
            )
            if archive is None:
                raise exceptions.NotFound(UNKNOWN_CODE)
            return Response(VerificationSerializer(_archive_verification(archive)).data)
        issued = timezone.localtime(document.created_at)
        organisation = document.instance.organisation
        body = {
            "genuine": True,
            "kind": "notice",
            "verification_code": document.verification_code,
            "title": document.title,
            "organisation": organisation.name,
            "organisation_en": organisation.name_en,
            "case_number": document.instance.business_key,
            "issued_on": issued.date(),
            "issued_on_display": cn_date(issued),
            "sha256": document.sha256 or None,
        }
        return Response(VerificationSerializer(body).data)


def _archive_verification(archive: Archive) -> dict[str, Any]:
    built = timezone.localtime(archive.created_at)
    organisation = archive.instance.organisation
    return {
        "genuine": True,
        "kind": "archive",
        "verification_code": archive.verification_code,
        "title": ARCHIVE_TITLE,
        "organisation": organisation.name,
        "organisation_en": organisation.name_en,
        "case_number": archive.instance.business_key,
        "issued_on": built.date(),
        "issued_on_display": cn_date(built),
        "sha256": archive.sha256,
        "pdf_sha256": archive.pdf_sha256,
    }


class ZipRenderer(PdfRenderer):
    media_type = "application/zip"
    format = "zip"


class InstanceArchiveApi(APIView):
    """The archive (卷宗) of a closed case as one ZIP, for staff in scope. Built on this request if
    the document worker has not reached the case yet."""

    renderer_classes = [JSONRenderer, ZipRenderer]

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="applicants: archives are for staff"),
            404: OpenApiResponse(description="no such case, or not in your scope"),
            409: OpenApiResponse(description="the case is not closed yet"),
            503: OpenApiResponse(description="the archive could not be built just now; retry (Retry-After)"),
        },
        summary="Download a closed case's archive (ZIP: PDF, notices, attachments, SHA256SUMS)",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        instance = (
            instances_visible_to(request.user)
            .filter(pk=pk)
            .select_related("definition", "organisation", "applicant")
            .first()
        )
        if instance is None:
            raise exceptions.NotFound(NO_CASE)
        if not user_is_staff_member(request.user):
            raise exceptions.PermissionDenied("卷宗仅供工作人员下载 / Case archives are for staff.")
        if instance.status not in CLOSED_STATUSES:
            raise Conflict("案件尚未办结，无卷宗 / The case is not closed yet: it has no archive.")
        try:
            archive = archive_for(instance)
        except ArchiveUnavailable as exc:
            raise DocumentBeingPrepared() from exc
        content = bytes(archive.zip)
        filename = f"卷宗-{instance.business_key or instance.pk}.zip"
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Content-Length"] = str(len(content))
        response["ETag"] = f'"{archive.sha256}"'
        response["Cache-Control"] = "private, no-cache"
        return response

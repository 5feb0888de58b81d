"""The applicant side: registering, the services on offer, drafts, uploads, rating a finished case."""

from __future__ import annotations

import math

from django.contrib.auth import login
from django.http import FileResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from server.accounts.serializers import UserSerializer
from server.core.errors import InvalidInput
from server.portal import selectors, services
from server.portal.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    DraftSerializer,
    RatingInputSerializer,
    RegisterSerializer,
    ServiceSerializer,
)
from server.processes.serializers import InstanceRatingSerializer

NO_SERVICE = "未找到该服务 / No such service."
NO_DRAFT = "没有该服务的草稿 / You have no draft for this service."
NO_FILE = "未找到该文件 / No such file."
NO_CASE = "未找到该案件 / No such case."

# ---------------------------------------------------------------------------------------------
# Registration


class RegisterApi(APIView):
    """Open an applicant account and log in with it (browser session). Accounts per network
    address are limited (`LEXFLOW_REGISTER_RATE`, default 20 an hour) so nobody scripts
    thousands of them; a 429 says when to try again."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    def throttled(self, request: Request, wait: float | None) -> None:
        minutes = max(1, math.ceil((wait or 60) / 60))
        exc = Throttled(
            detail=f"此网络地址注册过于频繁，请 {minutes} 分钟后再试。 / "
            f"Too many accounts registered from this address; try again in {minutes} min."
        )
        exc.wait = math.ceil(wait) if wait else None  # sent as Retry-After
        raise exc

    @extend_schema(
        request=RegisterSerializer,
        responses={
            201: inline_serializer("RegisterOutput", {"user": UserSerializer()}),
            400: OpenApiResponse(description="`errors` names each field: taken username, weak password, …"),
            429: OpenApiResponse(description="Too many from this address; `Retry-After` says when"),
        },
        summary="Register as an applicant",
    )
    @method_decorator(ensure_csrf_cookie)
    def post(self, request: Request) -> Response:
        payload = RegisterSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        user = services.applicant_register(
            username=values["username"],
            password=values["password"],
            full_name=values["full_name"],
            phone=values["phone"],
            id_number=values["id_number"],
            organisation_id=values["organisation"],
        )
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        return Response({"user": UserSerializer(user).data}, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Services


class ServiceListApi(APIView):
    """Open to anyone: people read what a service needs before they register."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ServiceSerializer(many=True), summary="The services an applicant may apply for")
    def get(self, request: Request) -> Response:
        services_ = [selectors.service_describe(definition) for definition in selectors.services_offered()]
        return Response(ServiceSerializer(services_, many=True).data)


class ServiceDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ServiceSerializer, summary="One service: its guide and application form")
    def get(self, request: Request, key: str) -> Response:
        definition = selectors.service_offered(key)
        if definition is None:
            raise NotFound(NO_SERVICE)
        return Response(ServiceSerializer(selectors.service_describe(definition)).data)


# ---------------------------------------------------------------------------------------------
# Drafts


class DraftListApi(APIView):
    @extend_schema(responses=DraftSerializer(many=True), summary="Your drafts")
    def get(self, request: Request) -> Response:
        return Response(DraftSerializer(selectors.drafts_of(request.user), many=True).data)


class DraftDetailApi(APIView):
    """The caller's draft of one service's application form. Starting that service deletes it."""

    @extend_schema(responses=DraftSerializer, summary="Your draft for a service")
    def get(self, request: Request, process_key: str) -> Response:
        draft = selectors.draft_of(request.user, process_key)
        if draft is None:
            raise NotFound(NO_DRAFT)
        return Response(DraftSerializer(draft).data)

    @extend_schema(
        request=DraftSerializer,
        responses={200: DraftSerializer, 201: DraftSerializer},
        summary="Save your draft (201 when new)",
    )
    def put(self, request: Request, process_key: str) -> Response:
        if not selectors.service_startable_by(process_key, request.user):
            raise NotFound(NO_SERVICE)
        payload = DraftSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        draft, created = services.draft_save(
            user=request.user,
            process_key=process_key,
            data=payload.validated_data["data"],
            step=payload.validated_data["step"],
        )
        return Response(
            DraftSerializer(draft).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses={204: None}, summary="Discard your draft (no draft: also 204)")
    def delete(self, request: Request, process_key: str) -> Response:
        services.draft_delete(user=request.user, process_key=process_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------
# Attachments


class AttachmentListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=AttachmentSerializer(many=True), summary="The files you uploaded, newest first")
    def get(self, request: Request) -> Response:
        uploads = selectors.attachments_uploaded_by(request.user)[:200]
        return Response(AttachmentSerializer(uploads, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            400: OpenApiResponse(
                description="`errors.file`: missing, too large, or not a PDF/JPG/PNG/DOC/DOCX"
            ),
        },
        summary="Upload a file for a form (PDF, JPG, PNG, DOC, DOCX; checked by content)",
    )
    def post(self, request: Request) -> Response:
        payload = AttachmentUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        instance = None
        if payload.validated_data["instance"] is not None:
            instance = selectors.instance_visible(request.user, payload.validated_data["instance"])
            if instance is None:
                raise InvalidInput(NO_CASE, {"instance": [NO_CASE]})
        attachment = services.attachment_create(
            user=request.user, upload=payload.validated_data.get("file"), instance=instance
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False):
        # A file answers any Accept header; errors still go out as JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="no such file, or not yours to see"),
        },
        summary="Download an uploaded file (its uploader, or staff who can see its case)",
    )
    def get(self, request: Request, pk) -> FileResponse:
        attachment = selectors.attachment_for(request.user, pk)
        if attachment is None:
            raise NotFound(NO_FILE)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )


class InstanceAttachmentListApi(APIView):
    @extend_schema(
        responses={200: AttachmentSerializer(many=True), 404: OpenApiResponse(description="no such case")},
        summary="The files on a case (staff in scope: all; others: their own)",
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = selectors.instance_visible(request.user, pk)
        if instance is None:
            raise NotFound(NO_CASE)
        files = selectors.attachments_of_case(request.user, instance)
        return Response(AttachmentSerializer(files, many=True).data)


# ---------------------------------------------------------------------------------------------
# Ratings


class InstanceRatingApi(APIView):
    @extend_schema(
        request=RatingInputSerializer,
        responses={
            201: InstanceRatingSerializer,
            400: OpenApiResponse(description="bad score, or the case is not completed yet"),
            404: OpenApiResponse(description="not your case"),
            409: OpenApiResponse(description="already rated"),
        },
        summary="Rate your completed case (once)",
    )
    def post(self, request: Request, pk: int) -> Response:
        instance = selectors.instance_visible(request.user, pk)
        if instance is None or instance.applicant_id != request.user.pk:
            raise NotFound(NO_CASE)
        payload = RatingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rating = services.rating_create(instance=instance, user=request.user, **payload.validated_data)
        return Response(InstanceRatingSerializer(rating).data, status=status.HTTP_201_CREATED)

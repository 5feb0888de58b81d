"""Process, instance and task endpoints. Thin views: input serializer, one service, output serializer."""

import os

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Organisation, Role
from server.accounts.selectors import user_has_role, user_is_staff_member
from server.core.errors import InvalidInput, problem
from server.processes import selectors, services
from server.processes.deadlines import deadline_for, statutory_deadlines
from server.processes.engine import package_for
from server.processes.figures import figures_scope
from server.processes.filters import InstanceFilter, TaskFilter
from server.processes.models import HumanTask, ProcessDefinition, ProcessInstance
from server.processes.serializers import (
    DefinitionSerializer,
    DefinitionVersionSerializer,
    DeployInputSerializer,
    InstanceDetailSerializer,
    InstanceSerializer,
    InstanceStartSerializer,
    InstanceStateSerializer,
    TaskCompleteSerializer,
    TaskDetailSerializer,
    TaskSerializer,
)
from workflows import DeployFailed

ALLOWED_SUFFIXES = (".bpmn", ".dmn", ".schema.json", ".uischema.json", ".json")


class QueuePagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-priority", "due_sort", "id")


class NewestFirstPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


# ---------------------------------------------------------------------------------------------
# Processes


class ProcessListApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(responses=DefinitionSerializer(many=True), summary="Latest version of every process")
    def get(self, request: Request) -> Response:
        definitions = selectors.definitions_latest().select_related("deployed_by")
        if not user_is_staff_member(request.user):
            definitions = definitions.filter(is_public=True)  # applicants see what they may start
        return Response(DefinitionSerializer(definitions, many=True).data)

    @extend_schema(
        request={"multipart/form-data": DeployInputSerializer},
        responses={
            201: DefinitionSerializer(many=True),
            200: OpenApiResponse(
                DefinitionSerializer(many=True), description="files unchanged: nothing deployed"
            ),
            400: OpenApiResponse(
                description="problem JSON; `deploy_errors` lists file, line, element_id, message"
            ),
        },
        summary="Deploy process files (designer)",
    )
    def post(self, request: Request) -> Response:
        if not user_has_role(request.user, Role.DESIGNER, Role.ADMIN):
            raise PermissionDenied("Only process designers can deploy processes.")
        payload = DeployInputSerializer(
            data={"files": request.FILES.getlist("files"), **_public_flag(request)}
        )
        payload.is_valid(raise_exception=True)
        files = _read_uploads(payload.validated_data["files"])
        try:
            outcomes = services.definitions_deploy(
                files=files, user=request.user, is_public=payload.validated_data.get("public")
            )
        except DeployFailed as exc:
            body = problem(
                400,
                detail=f"{len(exc.errors)} problem(s) found; nothing was deployed.",
                code="deploy_failed",
                errors={"files": [_format_deploy_error(error) for error in exc.errors]},
            )
            body["deploy_errors"] = [error.as_dict() for error in exc.errors]
            return Response(body, status=400, content_type="application/problem+json")
        created = any(outcome.created for outcome in outcomes)
        data = DefinitionSerializer([outcome.definition for outcome in outcomes], many=True).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _public_flag(request: Request) -> dict:
    value = request.data.get("public")
    return {} if value in (None, "") else {"public": value}


def _format_deploy_error(error) -> str:
    where = error.file + (f":{error.line}" if error.line else "")
    if error.element_id:
        where += f" <{error.tag or 'element'} id={error.element_id}>"
    return f"{where}: {error.message}"


def _read_uploads(uploads: list) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    errors: dict[str, list[str]] = {}
    total = 0
    for upload in uploads:
        name = os.path.basename(upload.name or "")
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            errors.setdefault("files", []).append(
                f"{name}: only .bpmn, .dmn, .schema.json and .uischema.json files can be deployed."
            )
            continue
        if name in files:
            errors.setdefault("files", []).append(f"{name}: uploaded twice.")
            continue
        content = upload.read()
        total += len(content)
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            errors.setdefault("files", []).append(f"{name}: is not UTF-8 text.")
            continue
        files[name] = content
    if total > settings.LEXFLOW["MAX_UPLOAD_BYTES"]:
        errors.setdefault("files", []).append("The files are larger than 20 MiB together.")
    if errors:
        raise InvalidInput(errors["files"][0], errors)
    return files


class ProcessDetailApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "ProcessDetail",
            {
                "key": serializers.CharField(),
                "name": serializers.CharField(),
                "latest_version": serializers.IntegerField(),
                "versions": DefinitionVersionSerializer(many=True),
            },
        )
    )
    def get(self, request: Request, key: str) -> Response:
        versions = (
            ProcessDefinition.objects.filter(key=key)
            .select_related("deployed_by")
            .annotate(
                instance_count=Count("instances"),
                running_count=Count("instances", filter=Q(instances__status="running")),
            )
            .order_by("-version")
        )
        if not versions:
            raise NotFound("No such process.")
        latest = versions[0]
        if not latest.is_public and not user_is_staff_member(request.user):
            raise NotFound("No such process.")
        return Response(
            {
                "key": key,
                "name": latest.name,
                "latest_version": latest.version,
                "versions": DefinitionVersionSerializer(versions, many=True).data,
            }
        )


class ProcessVersionBpmnApi(APIView):
    @extend_schema(responses={(200, "application/xml"): str}, summary="The BPMN XML of one version")
    def get(self, request: Request, key: str, version: int) -> HttpResponse:
        definition = get_object_or_404(ProcessDefinition, key=key, version=version)
        if not definition.is_public and not user_is_staff_member(request.user):
            raise NotFound("No such process.")
        bpmn = [name for name in sorted(definition.files) if name.endswith(".bpmn")]
        main = next((name for name in bpmn if f'id="{key}"' in definition.files[name]), bpmn[0])
        return HttpResponse(definition.files[main], content_type="application/xml; charset=utf-8")


# ---------------------------------------------------------------------------------------------
# Instances


class InstanceListApi(ListAPIView):
    serializer_class = InstanceSerializer
    pagination_class = NewestFirstPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = InstanceFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ProcessInstance.objects.none()
        return (
            selectors.instances_visible_to(self.request.user)
            .select_related("definition", "organisation", "applicant")
            .defer("state", "data", "definition__files")  # not shown in a list
        )

    @extend_schema(
        request=InstanceStartSerializer,
        responses={201: InstanceDetailSerializer},
        summary="Start an instance",
    )
    def post(self, request: Request) -> Response:
        payload = InstanceStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        organisation = None
        if payload.validated_data["organisation"] is not None:
            organisation = Organisation.objects.filter(pk=payload.validated_data["organisation"]).first()
            if organisation is None:
                raise InvalidInput("No such organisation.", {"organisation": ["No such organisation."]})
        instance = services.instance_start(
            process=payload.validated_data["process"],
            user=request.user,
            data=payload.validated_data["data"],
            business_key=payload.validated_data["business_key"],
            organisation=organisation,
        )
        viewer = {"viewer": request.user}
        return Response(
            InstanceStateSerializer(instance, context=viewer).data, status=status.HTTP_201_CREATED
        )


class InstanceDetailApi(APIView):
    @extend_schema(responses=InstanceDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        instance = get_object_or_404(
            selectors.instances_visible_to(request.user)
            .select_related("definition", "organisation", "applicant")
            .defer("definition__files"),
            pk=pk,
        )
        return Response(InstanceDetailSerializer(instance, context={"viewer": request.user}).data)


# ---------------------------------------------------------------------------------------------
# Tasks


class TaskListApi(ListAPIView):
    """The caller's queue: tasks for their roles in their organisations, most urgent first."""

    serializer_class = TaskSerializer
    pagination_class = QueuePagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HumanTask.objects.none()
        return selectors.task_queue(self.request.user)


def _visible_task(request: Request, pk: int):
    """The task, or 404 when the caller may not see it (never 403: its existence is not theirs to know)."""
    task = (
        HumanTask.objects.select_related("instance__definition", "assignee")
        .defer("instance__definition__files")
        .filter(pk=pk)
        .first()
    )
    if task is None or not selectors.task_is_visible_to(task, request.user):
        raise NotFound("No such task.")
    return task


class TaskDetailApi(APIView):
    @extend_schema(responses=TaskDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        task = _visible_task(request, pk)
        package = package_for(task.instance.definition)
        return Response(TaskDetailSerializer(task, context={"package": package, "viewer": request.user}).data)


class TaskClaimApi(APIView):
    @extend_schema(
        request=None, responses={200: TaskSerializer, 409: OpenApiResponse(description="already taken")}
    )
    def post(self, request: Request, pk: int) -> Response:
        task = services.task_claim(task=_visible_task(request, pk), user=request.user)
        return Response(TaskSerializer(task).data)


class TaskUnclaimApi(APIView):
    @extend_schema(request=None, responses={200: TaskSerializer})
    def post(self, request: Request, pk: int) -> Response:
        task = services.task_unclaim(task=_visible_task(request, pk), user=request.user)
        return Response(TaskSerializer(task).data)


class TaskCompleteApi(APIView):
    @extend_schema(
        request=TaskCompleteSerializer,
        responses={
            200: inline_serializer(
                "TaskCompleted", {"task": TaskSerializer(), "instance": InstanceStateSerializer()}
            ),
            400: OpenApiResponse(description="invalid form data; `errors` maps field paths to messages"),
            409: OpenApiResponse(
                description="already completed, claimed by someone else, or changed meanwhile"
            ),
            422: OpenApiResponse(
                description="the process could not continue (script/service error); nothing saved"
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = TaskCompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = services.task_complete(task_id=pk, user=request.user, data=payload.validated_data["data"])
        return Response(
            {
                "task": TaskSerializer(task).data,
                "instance": InstanceStateSerializer(task.instance, context={"viewer": request.user}).data,
            }
        )


class DeadlineListApi(APIView):
    """The deadlines in force for an organisation: its own settings, inherited ones, or the defaults."""

    @extend_schema(
        parameters=[
            OpenApiParameter("organisation", str, description="id or code; default: your own organisation")
        ],
        responses=inline_serializer(
            "DeadlineInForce",
            {
                "key": serializers.CharField(),
                "label": serializers.CharField(),
                "amount": serializers.IntegerField(),
                "unit": serializers.CharField(),
                "warn_before": serializers.IntegerField(),
                "source": serializers.CharField(
                    help_text='"default" or the code of the organisation setting it'
                ),
                "statutory_amount": serializers.IntegerField(),
                "statutory_unit": serializers.CharField(),
                "basis": serializers.CharField(),
            },
            many=True,
        ),
        summary="Deadlines in force",
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        rows = []
        for key, statutory in statutory_deadlines().items():
            rule = deadline_for(key, scope.organisation.code)
            rows.append(
                {
                    "key": key,
                    "label": rule.label,
                    "amount": rule.amount,
                    "unit": rule.unit,
                    "warn_before": rule.warn_before,
                    "source": rule.source,
                    "statutory_amount": statutory.amount,
                    "statutory_unit": statutory.unit,
                    "basis": statutory.basis,
                }
            )
        return Response(rows)

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
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Organisation, Role
from server.accounts.selectors import user_has_role, user_is_staff_member
from server.core.errors import InvalidInput, WorkflowFailed, problem
from server.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, REPLAYED_PARAMETER, idempotent
from server.processes import designer, selectors, services, workbench
from server.processes.deadlines import deadline_for, statutory_deadlines
from server.processes.engine import package_for, service_operators
from server.processes.figures import figures_scope
from server.processes.filters import InstanceFilter, TaskFilter
from server.processes.models import HumanTask, ProcessDefinition, ProcessInstance, SavedTaskFilter
from server.processes.serializers import (
    DefinitionSerializer,
    DefinitionVersionSerializer,
    DeployedDefinitionSerializer,
    DeployInputSerializer,
    InstanceDetailSerializer,
    InstanceDiagramSerializer,
    InstanceSerializer,
    InstanceStartSerializer,
    InstanceStateSerializer,
    MigrationInputSerializer,
    MigrationReportSerializer,
    ProcessDiffSerializer,
    SavedTaskFilterInputSerializer,
    SavedTaskFilterSerializer,
    ServiceOperatorSerializer,
    TaskCompleteSerializer,
    TaskCountsSerializer,
    TaskDetailSerializer,
    TaskSerializer,
    ValidationResultSerializer,
    VersionFilesSerializer,
)
from workflows import DeployFailed, EngineError

ALLOWED_SUFFIXES = (".bpmn", ".dmn", ".schema.json", ".uischema.json", ".json")


class QueuePagination(PageNumberPagination):
    """Numbered pages with a total `count`: the workbench shows how much is waiting and lets
    people sort (`ordering`), which a cursor over a fixed ordering cannot do."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


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
            201: OpenApiResponse(
                DeployedDefinitionSerializer(many=True),
                description="new versions, with `notes` on what was translated from other tools' terms and "
                "`default_group_tasks`",
            ),
            200: OpenApiResponse(
                DeployedDefinitionSerializer(many=True), description="files unchanged: nothing deployed"
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
            data={"files": request.FILES.getlist("files"), **_public_flag(request), **_default_group(request)}
        )
        payload.is_valid(raise_exception=True)
        files = _read_uploads(payload.validated_data["files"])
        try:
            outcomes = services.definitions_deploy(
                files=files,
                user=request.user,
                is_public=payload.validated_data.get("public"),
                default_group=payload.validated_data["default_group"],
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
        data = DeployedDefinitionSerializer([outcome.definition for outcome in outcomes], many=True).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _public_flag(request: Request) -> dict:
    value = request.data.get("public")
    return {} if value in (None, "") else {"public": value}


def _default_group(request: Request) -> dict:
    value = request.data.get("default_group")
    return {} if value in (None, "") else {"default_group": value}


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
        files[name] = content  # not UTF-8: the deploy says where (file, line, byte offset)
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
        _, bpmn = selectors.definition_main_bpmn(definition)
        return HttpResponse(bpmn, content_type="application/xml; charset=utf-8")


def _require_designer(request: Request) -> None:
    if not user_has_role(request.user, Role.DESIGNER, Role.ADMIN):
        raise PermissionDenied("仅流程设计人员可用 / Only process designers can do this.")


def _require_staff(request: Request) -> None:
    if not user_is_staff_member(request.user):
        raise PermissionDenied("仅工作人员可用 / Staff only.")


class ProcessValidateApi(APIView):
    """Check process files exactly as a deploy would, without deploying anything."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": DeployInputSerializer},
        responses={
            200: ValidationResultSerializer,
            400: OpenApiResponse(description="no files, or a file that is not .bpmn/.dmn/.json or not UTF-8"),
            403: OpenApiResponse(description="not a process designer"),
        },
        summary="Validate process files without deploying (designer)",
    )
    def post(self, request: Request) -> Response:
        _require_designer(request)
        payload = DeployInputSerializer(
            data={"files": request.FILES.getlist("files"), **_default_group(request)}
        )
        payload.is_valid(raise_exception=True)
        files = _read_uploads(payload.validated_data["files"])
        checked = designer.package_validate(
            files=files, user=request.user, default_group=payload.validated_data["default_group"]
        )
        result = {
            "ok": not checked.errors,
            "errors": [error.as_dict() for error in checked.errors],
            "notes": [note.as_dict() for note in checked.notes],
            "default_group_tasks": checked.default_group_tasks,
        }
        return Response(ValidationResultSerializer(result).data)


class ServiceOperatorListApi(APIView):
    """The services this server answers, for the designer's choice of a service task's operator."""

    @extend_schema(
        responses={
            200: ServiceOperatorSerializer(many=True),
            403: OpenApiResponse(description="not a process designer"),
        },
        summary="Services a service task can call, with their parameters (designer)",
    )
    def get(self, request: Request) -> Response:
        _require_designer(request)
        return Response(ServiceOperatorSerializer(service_operators(), many=True).data)


class ProcessVersionFilesApi(APIView):
    @extend_schema(
        responses={200: VersionFilesSerializer, 403: OpenApiResponse(description="staff only")},
        summary="Every file of one deployed version (staff)",
    )
    def get(self, request: Request, key: str, version: int) -> Response:
        _require_staff(request)
        definition = designer.definition_version(key, version)
        return Response(VersionFilesSerializer({"files": dict(sorted(definition.files.items()))}).data)


class ProcessDiffApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True, description="the older version"),
            OpenApiParameter("to", int, required=True, description="the newer version"),
        ],
        responses={
            200: ProcessDiffSerializer,
            400: OpenApiResponse(description="`from`/`to` missing, not a number or not a version of it"),
            403: OpenApiResponse(description="staff only"),
            404: OpenApiResponse(description="no such process"),
        },
        summary="What changed between two versions of a process (staff)",
    )
    def get(self, request: Request, key: str) -> Response:
        _require_staff(request)
        old, new, diff = designer.definitions_diff(key=key, params=request.query_params)
        body = {
            "from": old,
            "to": new,
            "added": diff.added,
            "removed": diff.removed,
            "changed": diff.changed,
            "files_changed": list(diff.files_changed),
        }
        return Response(ProcessDiffSerializer(body).data)


class ProcessVersionRetireApi(APIView):
    """Retire a version: no new case starts on it; the cases running on it go on."""

    retire = True

    @extend_schema(
        request=None,
        responses={
            200: DefinitionSerializer,
            403: OpenApiResponse(description="not a process designer"),
            404: OpenApiResponse(description="no such version"),
        },
        summary="Retire a version: it starts no new cases (designer)",
    )
    def post(self, request: Request, key: str, version: int) -> Response:
        _require_designer(request)
        change = services.definition_retire if self.retire else services.definition_restore
        return Response(DefinitionSerializer(change(key=key, version=version, user=request.user)).data)


class ProcessVersionRestoreApi(ProcessVersionRetireApi):
    """Undo a retirement: the version may start cases again."""

    retire = False

    @extend_schema(
        request=None,
        responses={
            200: DefinitionSerializer,
            403: OpenApiResponse(description="not a process designer"),
            404: OpenApiResponse(description="no such version"),
        },
        summary="Restore a retired version (designer)",
    )
    def post(self, request: Request, key: str, version: int) -> Response:
        return super().post(request, key, version)


class ProcessMigrationApi(APIView):
    """Check, or carry out, moving running cases from one version of a process to another."""

    @extend_schema(
        request=MigrationInputSerializer,
        responses={
            200: MigrationReportSerializer,
            400: OpenApiResponse(
                description="unknown or equal versions, a retired target, or a mapping naming a step of "
                "neither version (`errors` names `mapping.<step>`)"
            ),
            403: OpenApiResponse(description="not a process designer"),
            404: OpenApiResponse(description="no such process"),
        },
        summary="Move running cases to another version (designer; dry_run by default)",
    )
    def post(self, request: Request, key: str) -> Response:
        _require_designer(request)
        payload = MigrationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = services.instances_migrate(key=key, user=request.user, **payload.validated_data)
        return Response(MigrationReportSerializer(report).data)


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
        return selectors.with_incident_flag(
            selectors.instances_visible_to(self.request.user)
            .select_related("definition", "organisation", "applicant")
            .defer("state", "data", "definition__files")  # not shown in a list
        )

    @extend_schema(
        request=InstanceStartSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_PARAMETER],
        responses={
            201: InstanceStateSerializer,
            400: OpenApiResponse(description="invalid start data; `errors` maps field paths to messages"),
            422: OpenApiResponse(
                description="the process could not start (script/service error), or the Idempotency-Key "
                "was used for a different request; nothing saved"
            ),
        },
        summary="Start an instance",
    )
    @idempotent
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


class InstanceDiagramApi(APIView):
    """The case on its diagram: the version's BPMN and which elements are done, in hand and ahead."""

    @extend_schema(
        responses={
            200: InstanceDiagramSerializer,
            422: OpenApiResponse(description="the saved state could not be read"),
        },
        summary="Diagram of an instance with its progress",
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = get_object_or_404(
            selectors.instances_visible_to(request.user).select_related("definition"), pk=pk
        )
        try:
            states = selectors.instance_element_states(instance)
        except EngineError as exc:
            raise WorkflowFailed(f"无法读取流程状态 / The case's state could not be read: {exc}") from exc
        _, bpmn = selectors.definition_main_bpmn(instance.definition)
        body = {
            "process": instance.definition.key,
            "version": instance.definition.version,
            "bpmn": bpmn,
            "completed": list(states.completed),
            "current": list(states.current),
            "waiting": list(states.waiting),
            "timers": instance.timers.order_by("due_at", "id"),
        }
        return Response(InstanceDiagramSerializer(body).data)


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


class TaskCountsApi(APIView):
    @extend_schema(responses=TaskCountsSerializer, summary="Open work in the caller's queue, by tab")
    def get(self, request: Request) -> Response:
        return Response(TaskCountsSerializer(selectors.task_counts(request.user)).data)


class SavedTaskFilterListApi(APIView):
    @extend_schema(responses=SavedTaskFilterSerializer(many=True), summary="My saved task filters")
    def get(self, request: Request) -> Response:
        filters = SavedTaskFilter.objects.filter(user=request.user)
        return Response(SavedTaskFilterSerializer(filters, many=True).data)

    @extend_schema(
        request=SavedTaskFilterInputSerializer,
        responses={
            201: SavedTaskFilterSerializer,
            400: OpenApiResponse(description="name empty, too long or taken; unknown filter key in query"),
        },
        summary="Save a task filter",
    )
    def post(self, request: Request) -> Response:
        payload = SavedTaskFilterInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        saved = workbench.saved_filter_create(user=request.user, **payload.validated_data)
        return Response(SavedTaskFilterSerializer(saved).data, status=status.HTTP_201_CREATED)


class SavedTaskFilterDetailApi(APIView):
    @extend_schema(request=None, responses={204: None, 404: OpenApiResponse(description="not yours")})
    def delete(self, request: Request, pk: int) -> Response:
        workbench.saved_filter_delete(user=request.user, filter_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        task = services.task_claim(task_id=pk, user=request.user)
        return Response(TaskSerializer(task).data)


class TaskUnclaimApi(APIView):
    @extend_schema(request=None, responses={200: TaskSerializer})
    def post(self, request: Request, pk: int) -> Response:
        task = services.task_unclaim(task_id=pk, user=request.user)
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
                description="the process could not continue (script/service error); nothing saved; "
                "or the Idempotency-Key was used for a different request"
            ),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_PARAMETER],
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        payload = TaskCompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = services.task_complete(
            task_id=pk,
            user=request.user,
            data=payload.validated_data["data"],
            comment=payload.validated_data["comment"],
        )
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
                "pauses_when_suspended": serializers.BooleanField(
                    help_text="the clock stops while a case is suspended (中止)"
                ),
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
                    "pauses_when_suspended": rule.pauses_when_suspended,
                    "source": rule.source,
                    "statutory_amount": statutory.amount,
                    "statutory_unit": statutory.unit,
                    "basis": statutory.basis,
                }
            )
        return Response(rows)

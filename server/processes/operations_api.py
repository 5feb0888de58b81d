"""Endpoints of the case and task operations: input serializer in, one service, output out."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.selectors import user_is_staff_member
from server.core.bounds import MAX_ID
from server.core.errors import InvalidInput, WorkflowFailed
from server.processes import selectors, services
from server.processes.api import NewestFirstPagination, _visible_task
from server.processes.models import HumanTask, Incident, IncidentStatus, Substitute
from server.processes.serializers import (
    AssignInputSerializer,
    BulkInputSerializer,
    BulkResultSerializer,
    CommentInputSerializer,
    CommentSerializer,
    ConsultationSerializer,
    ConsultInputSerializer,
    CopyInputSerializer,
    CopyRowSerializer,
    DataChangeInputSerializer,
    IncidentSerializer,
    InstanceStateSerializer,
    NoteInputSerializer,
    PersonSerializer,
    ReasonInputSerializer,
    ResolveInputSerializer,
    ReturnInputSerializer,
    ReturnTargetSerializer,
    SubstituteInputSerializer,
    SubstituteSerializer,
    SuspendInputSerializer,
    TaskDetailSerializer,
    TransferInputSerializer,
    UrgeInputSerializer,
)
from workflows import EngineError

_REFUSALS = {
    400: OpenApiResponse(description="a reason or a person missing or not allowed; `errors` names the field"),
    403: OpenApiResponse(description="the step does not offer it, or it is not yours to do"),
    404: OpenApiResponse(description="no such task, or not yours to see"),
    409: OpenApiResponse(description="the task or case is not in a state for it (suspended, taken, ended)"),
}


def _task_answer(request: Request, task: HumanTask, code: int = 200) -> Response:
    task.refresh_from_db()
    return Response(TaskDetailSerializer(task, context={"viewer": request.user}).data, status=code)


def _payload(serializer_class, request: Request) -> dict:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data


class _TaskOperation(APIView):
    """A POST on `/tasks/{id}/<operation>` answering with the task as the caller now sees it."""

    def _answer(self, request: Request, task: HumanTask) -> Response:
        return _task_answer(request, task)


class TaskTransferApi(_TaskOperation):
    @extend_schema(
        request=TransferInputSerializer,
        responses={200: TaskDetailSerializer, **_REFUSALS},
        summary="转办: hand the task to a colleague of its role",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(TransferInputSerializer, request)
        return self._answer(request, services.task_transfer(task_id=pk, user=request.user, **values))


class TaskDelegateApi(_TaskOperation):
    @extend_schema(
        request=TransferInputSerializer,
        responses={200: TaskDetailSerializer, **_REFUSALS},
        summary="委派: ask a colleague to do the work and hand it back",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(TransferInputSerializer, request)
        return self._answer(request, services.task_delegate(task_id=pk, user=request.user, **values))


class TaskResolveApi(_TaskOperation):
    @extend_schema(
        request=ResolveInputSerializer,
        responses={200: TaskDetailSerializer, **_REFUSALS},
        summary="委派: the delegate hands the task back to its owner",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(ResolveInputSerializer, request)
        return self._answer(request, services.task_resolve(task_id=pk, user=request.user, **values))


class TaskReturnApi(_TaskOperation):
    @extend_schema(
        request=ReturnInputSerializer,
        responses={
            200: OpenApiResponse(
                TaskDetailSerializer, description="the reopened step, as the caller sees it"
            ),
            **_REFUSALS,
        },
        summary="退回: send the case back to an earlier step, with the reason",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(ReturnInputSerializer, request)
        return self._answer(request, services.task_return(task_id=pk, user=request.user, **values))


class TaskReturnTargetsApi(APIView):
    @extend_schema(
        responses={200: ReturnTargetSerializer(many=True), 404: _REFUSALS[404]},
        summary="The steps this task can send the case back to, nearest first, with who did them",
    )
    def get(self, request: Request, pk: int) -> Response:
        task = _visible_task(request, pk)
        if "return" not in selectors.task_available_actions(task, request.user):
            return Response([])
        try:
            targets = selectors.task_return_targets(task)
        except EngineError as exc:
            raise WorkflowFailed(f"无法读取流程状态 / The case's state could not be read: {exc}") from exc
        return Response(ReturnTargetSerializer(targets, many=True).data)


class TaskWithdrawApi(_TaskOperation):
    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(TaskDetailSerializer, description="the task, open and yours again"),
            **_REFUSALS,
        },
        summary="撤回: take back a task you completed, while the next step is untouched",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self._answer(request, services.task_withdraw(task_id=pk, user=request.user))


class TaskCommentsApi(APIView):
    @extend_schema(
        responses={200: CommentSerializer(many=True), 404: _REFUSALS[404]}, summary="审批意见 of a task"
    )
    def get(self, request: Request, pk: int) -> Response:
        task = _visible_task(request, pk)
        data = TaskDetailSerializer(task, context={"viewer": request.user}).data["comments"]
        return Response(data)

    @extend_schema(
        request=CommentInputSerializer,
        responses={201: CommentSerializer, **_REFUSALS},
        summary="Give an opinion on a task (also how a consulted colleague answers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(CommentInputSerializer, request)
        comment = services.task_comment_add(task_id=pk, user=request.user, **values)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class TaskConsultApi(APIView):
    @extend_schema(
        request=ConsultInputSerializer,
        responses={201: ConsultationSerializer(many=True), **_REFUSALS},
        summary="加签: ask colleagues for opinions that must be in before the task is completed",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(ConsultInputSerializer, request)
        rows = services.task_consult(task_id=pk, user=request.user, **values)
        return Response(ConsultationSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class TaskCopyApi(APIView):
    @extend_schema(
        request=CopyInputSerializer,
        responses={201: OpenApiResponse(description="copied"), **_REFUSALS},
        summary="抄送: let colleagues know of a task, without giving it to them",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(CopyInputSerializer, request)
        rows = services.task_copy(task_id=pk, user=request.user, **values)
        return Response(
            {"copied": [row.recipient.get_username() for row in rows]}, status=status.HTTP_201_CREATED
        )


class TaskUrgeApi(_TaskOperation):
    @extend_schema(
        request=UrgeInputSerializer,
        responses={200: TaskDetailSerializer, **_REFUSALS},
        summary="催办: remind the holder (or the queue), at most once a day",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(UrgeInputSerializer, request)
        return self._answer(request, services.task_urge(task_id=pk, user=request.user, **values))


class TaskAssignApi(_TaskOperation):
    @extend_schema(
        request=AssignInputSerializer,
        responses={200: TaskDetailSerializer, **_REFUSALS},
        summary="指派: a director or supervisor puts the task on a named person",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(AssignInputSerializer, request)
        return self._answer(request, services.task_assign(task_id=pk, user=request.user, **values))


class TaskBulkApi(APIView):
    @extend_schema(
        request=BulkInputSerializer,
        responses={200: BulkResultSerializer(many=True), 400: _REFUSALS[400]},
        summary="Claim, release or assign many tasks, each on its own, with a result per task",
    )
    def post(self, request: Request) -> Response:
        values = _payload(BulkInputSerializer, request)
        results = services.tasks_bulk(user=request.user, **values)
        return Response(BulkResultSerializer(results, many=True).data)


class CopyListApi(ListAPIView):
    """抄送我的: tasks colleagues copied to me, newest first."""

    serializer_class = CopyRowSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Substitute.objects.none()
        return selectors.copies_for(self.request.user)


class SubstituteListApi(APIView):
    @extend_schema(responses=SubstituteSerializer(many=True), summary="代理人: who stands in for me, when")
    def get(self, request: Request) -> Response:
        rows = (
            Substitute.objects.filter(user=request.user)
            .select_related("substitute")
            .order_by("starts_on", "id")
        )
        return Response(SubstituteSerializer(rows, many=True).data)

    @extend_schema(
        request=SubstituteInputSerializer,
        responses={201: SubstituteSerializer, 400: _REFUSALS[400], 403: _REFUSALS[403]},
        summary="Name a colleague to stand in for me for a period",
    )
    def post(self, request: Request) -> Response:
        values = _payload(SubstituteInputSerializer, request)
        row = services.substitute_create(user=request.user, **values)
        return Response(SubstituteSerializer(row).data, status=status.HTTP_201_CREATED)


class SubstituteDetailApi(APIView):
    @extend_schema(request=None, responses={204: None, 404: _REFUSALS[404]}, summary="Remove a substitute")
    def delete(self, request: Request, pk: int) -> Response:
        services.substitute_delete(user=request.user, substitute_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PeopleApi(APIView):
    """The person picker: staff the caller may name, searched by name."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="username or name contains"),
            OpenApiParameter("role", str, description="holding this role"),
            OpenApiParameter("task", int, description="only people the task may go to (transfer, assign)"),
            OpenApiParameter("instance", int, description="only staff who see this case (copy, consult)"),
        ],
        responses={200: PersonSerializer(many=True), 403: OpenApiResponse(description="staff only")},
        summary="Staff within scope, by name",
    )
    def get(self, request: Request) -> Response:
        if not user_is_staff_member(request.user):
            raise PermissionDenied("仅工作人员可用 / Staff only.")
        params = request.query_params
        people = selectors.people_in_scope(
            request.user, query=params.get("q", "")[:50], role=params.get("role", "")[:32]
        ).prefetch_related("memberships")
        task_id, instance_id = _id_param(params, "task"), _id_param(params, "instance")
        task = _visible_task(request, task_id) if task_id is not None else None
        instance = None
        if instance_id is not None:
            instance = selectors.instances_visible_to(request.user).filter(pk=instance_id).first()
            if instance is None:
                raise NotFound("没有这个案件 / No such case.")
        found = []
        for candidate in people[:200]:
            if task is not None and not selectors.task_group_member(task, candidate):
                continue
            if instance is not None and not selectors.user_sees_whole_case(candidate, instance):
                continue
            found.append(candidate)
            if len(found) == 20:
                break
        return Response(PersonSerializer(found, many=True).data)


def _id_param(params, name: str) -> int | None:
    """`?task=42`: an id, or None when absent; anything else is a 400 naming the parameter."""
    value = params.get(name, "")
    if value == "":
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise InvalidInput(f"{name}: 不是编号 / Not an id.", {name: ["不是编号 / Not an id."]})
    return int(value)


# ---------------------------------------------------------------------------------------------
# Case operations


def _case_answer(request: Request, instance) -> Response:
    return Response(InstanceStateSerializer(instance, context={"viewer": request.user}).data)


_CASE_REFUSALS = {
    400: _REFUSALS[400],
    403: OpenApiResponse(description="not an administrator or director over the case (or not its applicant)"),
    404: OpenApiResponse(description="no such case, or not yours to see"),
    409: OpenApiResponse(description="the case has ended, or is (not) suspended"),
}


class InstanceCancelApi(APIView):
    @extend_schema(
        request=ReasonInputSerializer,
        responses={200: InstanceStateSerializer, **_CASE_REFUSALS},
        summary="撤销: end the case as cancelled, with the reason the applicant is shown",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(ReasonInputSerializer, request)
        return _case_answer(request, services.instance_cancel(instance_id=pk, user=request.user, **values))


class InstanceWithdrawApi(APIView):
    @extend_schema(
        request=ReasonInputSerializer,
        responses={200: InstanceStateSerializer, **_CASE_REFUSALS},
        summary="撤回申请: the applicant withdraws the case, where the process allows it",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(ReasonInputSerializer, request)
        return _case_answer(request, services.instance_withdraw(instance_id=pk, user=request.user, **values))


class InstanceSuspendApi(APIView):
    @extend_schema(
        request=SuspendInputSerializer,
        responses={200: InstanceStateSerializer, **_CASE_REFUSALS},
        summary="中止: stop the case and its statutory clock",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(SuspendInputSerializer, request)
        return _case_answer(request, services.instance_suspend(instance_id=pk, user=request.user, **values))


class InstanceResumeApi(APIView):
    @extend_schema(
        request=None,
        responses={200: InstanceStateSerializer, **_CASE_REFUSALS},
        summary="恢复: resume the case; its pausing deadlines move by the working days it was suspended",
    )
    def post(self, request: Request, pk: int) -> Response:
        return _case_answer(request, services.instance_resume(instance_id=pk, user=request.user))


class InstanceDataApi(APIView):
    @extend_schema(
        request=DataChangeInputSerializer,
        responses={200: InstanceStateSerializer, **_CASE_REFUSALS},
        summary="Correct case variables (administrators), audited with before and after",
    )
    def patch(self, request: Request, pk: int) -> Response:
        values = _payload(DataChangeInputSerializer, request)
        return _case_answer(
            request, services.instance_data_change(instance_id=pk, user=request.user, **values)
        )


# ---------------------------------------------------------------------------------------------
# Incidents


class IncidentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=IncidentStatus.choices)
    process = filters.CharFilter(field_name="instance__definition__key")
    organisation = filters.CharFilter(field_name="instance__organisation__code")
    instance = filters.NumberFilter(field_name="instance_id")
    kind = filters.CharFilter()

    class Meta:
        model = Incident
        fields: list[str] = []


class IncidentListApi(ListAPIView):
    """Incidents of the cases in the caller's scope (administrators, directors, supervisors)."""

    serializer_class = IncidentSerializer
    pagination_class = NewestFirstPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = IncidentFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Incident.objects.none()
        return selectors.incidents_visible_to(self.request.user)


class IncidentRetryApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(IncidentSerializer, description="resolved, or open with one more attempt"),
            403: _CASE_REFUSALS[403],
            404: OpenApiResponse(description="no such incident in your scope"),
            409: OpenApiResponse(description="resolved already, or the case is suspended or ended"),
        },
        summary="Run the failed step again, once (after fixing its cause)",
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = services.incident_retry(incident_id=pk, user=request.user)
        return Response(
            IncidentSerializer(selectors.incidents_visible_to(request.user).get(pk=incident.pk)).data
        )


class IncidentResolveApi(APIView):
    @extend_schema(
        request=NoteInputSerializer,
        responses={
            200: IncidentSerializer,
            400: _REFUSALS[400],
            403: _CASE_REFUSALS[403],
            404: _REFUSALS[404],
        },
        summary="Mark the incident dealt with by hand, with a note",
    )
    def post(self, request: Request, pk: int) -> Response:
        values = _payload(NoteInputSerializer, request)
        incident = services.incident_resolve(incident_id=pk, user=request.user, **values)
        return Response(
            IncidentSerializer(selectors.incidents_visible_to(request.user).get(pk=incident.pk)).data
        )

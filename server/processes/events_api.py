"""Messages and signals from outside: staff in scope and integration clients (Bearer token)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.authentication import IntegrationClientAuthentication
from server.accounts.models import IntegrationClient
from server.processes.models import ProcessInstance
from server.processes.services.messages import (
    MESSAGE,
    SIGNAL,
    message_deliver,
    sender_for,
    signal_broadcast,
)

AUTHENTICATION = [IntegrationClientAuthentication, TokenAuthentication, SessionAuthentication]


class MessageInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    correlation = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="correlation property id -> value",
    )
    data = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)


class SignalInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    data = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)


class ReachedCaseSerializer(serializers.Serializer):
    """A case a message or signal reached: enough to find it again, none of its data."""

    id = serializers.IntegerField()
    business_key = serializers.CharField()
    process = serializers.CharField(source="definition.key")
    version = serializers.IntegerField(source="definition.version")
    status = serializers.CharField()
    stage = serializers.CharField()


class MessageOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["delivered", "started"])
    bpmn_id = serializers.CharField(allow_null=True, help_text="the element that caught it (delivered)")
    instance = ReachedCaseSerializer()


class SignalDeliveredSerializer(serializers.Serializer):
    instance = ReachedCaseSerializer()
    bpmn_id = serializers.CharField()


class SignalFailedSerializer(serializers.Serializer):
    instance = ReachedCaseSerializer()
    detail = serializers.CharField()


class SignalOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    delivered = SignalDeliveredSerializer(many=True)
    started = ReachedCaseSerializer(many=True)
    failed = SignalFailedSerializer(many=True)


def _fresh(instance: ProcessInstance) -> ProcessInstance:
    return ProcessInstance.objects.select_related("definition").defer("definition__files").get(pk=instance.pk)


def _client(request: Request) -> IntegrationClient | None:
    return request.auth if isinstance(request.auth, IntegrationClient) else None


class MessageApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(
        request=MessageInputSerializer,
        responses={
            200: OpenApiResponse(MessageOutputSerializer, description="delivered to the one waiting case"),
            201: OpenApiResponse(
                MessageOutputSerializer, description="started a case of the process it starts"
            ),
            400: OpenApiResponse(description="correlation keys or data not as the diagram declares them"),
            403: OpenApiResponse(description="not staff, or a client not granted this message"),
            404: OpenApiResponse(
                description="no case waits for it and no process starts by it; nothing stored"
            ),
            409: OpenApiResponse(description="two cases wait for it with these values; nothing delivered"),
        },
        summary="Deliver a message to the case waiting for it (or start the process it starts)",
    )
    def post(self, request: Request) -> Response:
        payload = MessageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        name = payload.validated_data["name"]
        sender = sender_for(request.user, _client(request), kind=MESSAGE, name=name)
        outcome = message_deliver(
            name=name,
            correlation=payload.validated_data["correlation"],
            data=payload.validated_data["data"],
            sender=sender,
        )
        if outcome.started:
            body = {
                "name": name,
                "outcome": "started",
                "bpmn_id": None,
                "instance": _fresh(outcome.started[0]),
            }
            return Response(MessageOutputSerializer(body).data, status=status.HTTP_201_CREATED)
        instance, bpmn_id = outcome.delivered[0]
        body = {"name": name, "outcome": "delivered", "bpmn_id": bpmn_id, "instance": _fresh(instance)}
        return Response(MessageOutputSerializer(body).data)


class SignalApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(
        request=SignalInputSerializer,
        responses={
            200: SignalOutputSerializer,
            400: OpenApiResponse(description="data not as the diagram declares it"),
            403: OpenApiResponse(description="not staff, or a client not granted this signal"),
            404: OpenApiResponse(description="no deployed process uses this signal"),
        },
        summary="Broadcast a signal to every case in scope waiting for it; start the processes it starts",
    )
    def post(self, request: Request) -> Response:
        payload = SignalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        name = payload.validated_data["name"]
        sender = sender_for(request.user, _client(request), kind=SIGNAL, name=name)
        outcome = signal_broadcast(name=name, data=payload.validated_data["data"], sender=sender)
        body = {
            "name": name,
            "delivered": [
                {"instance": _fresh(case), "bpmn_id": bpmn_id} for case, bpmn_id in outcome.delivered
            ],
            "started": [_fresh(case) for case in outcome.started],
            "failed": [{"instance": _fresh(case), "detail": detail} for case, detail in outcome.failed],
        }
        return Response(SignalOutputSerializer(body).data)

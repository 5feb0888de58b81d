"""Delivering messages and signals: from the API (staff, integration clients) and from cases.

A message reaches exactly one case: the one waiting for that name whose correlation values
match (one indexed lookup on the subscription rows), or, when none waits, a new case of the
process whose start event is that message. Two waiting cases are a 409 and nothing is
delivered; none is a 404. The instance lock makes delivery exactly once: of two deliveries
racing for one waiting case, the second finds, under the lock, that it no longer waits.

A signal reaches every case in the sender's scope that waits for it, each in its own
transaction, and starts one case of each process whose start event is that signal.

Data is checked against the JSON schema the diagram names for the message or signal (the
`formJsonSchemaFilename` property of `bpmn:message` / `bpmn:signal`), and only the fields it
declares reach the case.
"""

import contextvars
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound, PermissionDenied

from server.accounts.models import STAFF_ROLES, IntegrationClient, Organisation
from server.accounts.selectors import user_grants, user_primary_organisation
from server.audit.services import event_build, event_record
from server.core.errors import Conflict, InvalidInput, WorkflowFailed
from server.processes.engine import engine, package_for
from server.processes.models import (
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
    correlation_key,
)
from server.processes.services.forms import engine_failure, validate_form
from server.processes.services.sync import save_snapshot, sync_rows
from workflows import EngineError, NotWaiting, SentEvent, correlation_text

logger = logging.getLogger("lexflow.processes")

MESSAGE = SubscriptionKind.MESSAGE.value
SIGNAL = SubscriptionKind.SIGNAL.value
# A case's message may make another case send one, and so on; a ring of processes answering
# each other for ever is a modelling error, stopped here.
MAX_DEPTH = 8
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("lexflow_message_depth", default=0)


@dataclass(frozen=True)
class Sender:
    """Who sends, and where their messages may go.

    `paths` are the organisation paths in reach (a case is reached when its organisation is
    one of them or below); None means everywhere (a case's own throw event of a message).
    """

    user: AbstractBaseUser | None
    client: IntegrationClient | None = None
    paths: tuple[str, ...] | None = ()
    organisation: Organisation | None = None  # where a case it starts belongs
    source: ProcessInstance | None = None  # the case that threw it, never a recipient

    def audit(self) -> dict[str, Any]:
        detail: dict[str, Any] = {}
        if self.client is not None:
            detail["client"] = self.client.name
        if self.source is not None:
            detail["from_instance"] = self.source.pk
        return detail


@dataclass
class Delivery:
    """What a message or signal reached: cases it was delivered to, cases it started."""

    delivered: list[tuple[ProcessInstance, str]] = field(default_factory=list)  # (case, catching bpmn id)
    started: list[ProcessInstance] = field(default_factory=list)
    failed: list[tuple[ProcessInstance, str]] = field(default_factory=list)  # signals only


def sender_for(user: AbstractBaseUser, client: IntegrationClient | None, *, kind: str, name: str) -> Sender:
    """The sender an API request speaks for, or 403: staff within their organisations, an
    integration client within its own for the names it was granted."""
    if client is not None:
        granted = client.messages if kind == MESSAGE else client.signals
        if name not in (granted or []):
            raise PermissionDenied(
                f"此集成客户端无权发送{'消息' if kind == MESSAGE else '信号'} {name} / this integration "
                f"client may not send the {kind} {name!r}."
            )
        return Sender(
            user=user, client=client, paths=(client.organisation.path,), organisation=client.organisation
        )
    paths = tuple(dict.fromkeys(grant.path for grant in user_grants(user) if grant.role in STAFF_ROLES))
    if not paths:
        raise PermissionDenied(
            "只有工作人员和集成客户端可以发送消息和信号 / only staff and integration clients send "
            "messages and signals."
        )
    return Sender(user=user, paths=paths, organisation=user_primary_organisation(user))


# ---------------------------------------------------------------------------------------------
# Messages


def message_deliver(
    *, name: str, correlation: dict[str, Any], data: dict[str, Any], sender: Sender
) -> Delivery:
    """Deliver a message to the one case waiting for it, or start the process it starts."""
    values = {str(key): correlation_text(value) for key, value in (correlation or {}).items()}
    declaring = _declaring(MESSAGE, name)
    if not declaring:
        raise NotFound(f"没有已部署的流程使用消息 {name} / no deployed process uses the message {name!r}.")
    _check_correlation(name, values, declaring)
    with transaction.atomic():
        waiting = _waiting_cases(MESSAGE, name, values, sender)
        if len(waiting) > 1:
            raise Conflict(
                f"有多个案件在等待消息 {name}（关联值相同），消息必须只送达一个案件 / more than one "
                f"case waits for the message {name!r} with these correlation values ({_shown(values)}); "
                "a message reaches exactly one, so nothing was delivered."
            )
        if waiting:
            return _deliver_message(waiting[0], name, values, data, sender)
        starts = [(definition, info) for definition, info in declaring if info.starts_by(MESSAGE, name)]
        if len(starts) > 1:
            raise Conflict(
                f"多个流程由消息 {name} 启动 / more than one process starts by the message {name!r} "
                f"({', '.join(sorted(d.key for d, _ in starts))}); nothing was started."
            )
        if not starts:
            raise NotFound(
                f"没有案件在等待消息 {name}（{_shown(values)}） / no case waits for the message {name!r} "
                f"with {_shown(values)}; nothing was delivered."
            )
        definition, info = starts[0]
        fields = _checked_data(definition, info.messages[name].schema, data, kind=MESSAGE, name=name)
        instance = _start_by(
            definition, info.starts_by(MESSAGE, name).bpmn_id, fields, values, sender, MESSAGE, name
        )
        return Delivery(started=[instance])


def _deliver_message(
    instance_id: int, name: str, values: dict[str, str], data: dict[str, Any], sender: Sender
) -> Delivery:
    instance = _locked(instance_id)
    # Under the lock: a delivery that raced us and won has already moved the case on.
    row = (
        instance.subscriptions.filter(
            status=SubscriptionStatus.WAITING,
            kind=MESSAGE,
            name=name,
            correlation_key=correlation_key(values),
        )
        .order_by("id")
        .first()
        if instance is not None and instance.status == InstanceStatus.RUNNING
        else None
    )
    if row is None:
        raise NotFound(
            f"该案件已不再等待消息 {name} / the case no longer waits for the message {name!r}; nothing was "
            "delivered."
        )
    package = package_for(instance.definition)
    info = package.processes[instance.definition.key]
    declaration = info.messages.get(name)
    fields = _checked_data(
        instance.definition, declaration.schema if declaration else None, data, MESSAGE, name
    )
    _deliver_to(instance, [row], fields, values, sender, MESSAGE, name)
    return Delivery(delivered=[(instance, row.bpmn_id)])


def _check_correlation(name: str, values: dict[str, str], declaring: list) -> None:
    expected = {
        tuple(sorted(info.messages[name].correlation)) for _, info in declaring if name in info.messages
    }
    if tuple(sorted(values)) in expected:
        return
    wanted = " or ".join(", ".join(keys) or "(none)" for keys in sorted(expected))
    raise InvalidInput(
        f"消息 {name} 按 {wanted} 关联 / the message {name!r} is correlated by {wanted}; "
        "give a value for each.",
        {"correlation": [f"Expected keys: {wanted}."]},
    )


# ---------------------------------------------------------------------------------------------
# Signals


def signal_broadcast(*, name: str, data: dict[str, Any], sender: Sender) -> Delivery:
    """Every case in the sender's scope waiting for the signal gets it; its signal starts start one case.

    Each case in its own transaction: one failing (its step raises an error) is reported and
    left as it was, the others go on.
    """
    declaring = _declaring(SIGNAL, name)
    if not declaring:
        raise NotFound(f"没有已部署的流程使用信号 {name} / no deployed process uses the signal {name!r}.")
    outcome = Delivery()
    for instance_id in _waiting_cases(SIGNAL, name, None, sender):
        try:
            with transaction.atomic():
                instance = _locked(instance_id)
                if instance is None or instance.status != InstanceStatus.RUNNING:
                    continue
                rows = list(
                    instance.subscriptions.filter(status=SubscriptionStatus.WAITING, kind=SIGNAL, name=name)
                )
                if not rows:
                    continue  # it moved on since we looked
                info = package_for(instance.definition).processes[instance.definition.key]
                declaration = info.signals.get(name)
                fields = _checked_data(
                    instance.definition, declaration.schema if declaration else None, data, SIGNAL, name
                )
                _deliver_to(instance, rows, fields, {}, sender, SIGNAL, name)
                outcome.delivered += [(instance, row.bpmn_id) for row in rows]
        except NotFound:
            continue  # it moved on while we delivered to the others
        except (WorkflowFailed, InvalidInput) as exc:
            outcome.failed.append((ProcessInstance.objects.get(pk=instance_id), _detail(exc)))
    for definition, info in declaring:
        start = info.starts_by(SIGNAL, name)
        if start is None:
            continue
        with transaction.atomic():
            fields = _checked_data(definition, info.signals[name].schema, data, SIGNAL, name)
            outcome.started.append(_start_by(definition, start.bpmn_id, fields, {}, sender, SIGNAL, name))
    return outcome


# ---------------------------------------------------------------------------------------------
# From cases: a throw event, send task or message end event


def events_dispatch(
    *, instance: ProcessInstance, sent: Iterable[SentEvent], actor: AbstractBaseUser | None
) -> None:
    """Deliver what a case threw, in the transaction of the step that threw it.

    A message goes through the same path as one from the API, to a case anywhere (its
    correlation picks the case); one that reaches no case fails the step (422). A signal
    reaches the cases of the thrower's organisation and below (the thrower has already
    caught its own).
    """
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        raise WorkflowFailed(
            f"消息往复超过 {MAX_DEPTH} 层 / messages between cases went {MAX_DEPTH} deep; the processes "
            "answer each other for ever."
        )
    token = _depth.set(depth + 1)
    try:
        for event in sent:
            data = event.payload if isinstance(event.payload, dict) else {}
            if event.kind == MESSAGE:
                sender = Sender(user=actor, paths=None, organisation=instance.organisation, source=instance)
                try:
                    reached = message_deliver(
                        name=event.name, correlation=dict(event.correlation), data=data, sender=sender
                    )
                except (NotFound, Conflict, InvalidInput) as exc:
                    raise WorkflowFailed(
                        f"{event.bpmn_id}: 消息 {event.name} 无法送达 / the message {event.name!r} "
                        f"could not be delivered: {_detail(exc)}",
                        errors={event.bpmn_id: [_detail(exc)]},
                    ) from exc
            else:
                sender = Sender(
                    user=actor,
                    paths=(instance.org_path,),
                    organisation=instance.organisation,
                    source=instance,
                )
                reached = (
                    signal_broadcast(name=event.name, data=data, sender=sender)
                    if _declaring(SIGNAL, event.name)
                    else Delivery()
                )
            event_record(
                action=f"{event.kind}.sent",
                actor=actor,
                instance=instance,
                bpmn_id=event.bpmn_id,
                name=event.name,
                correlation=dict(event.correlation),
                to_instances=[case.pk for case, _ in reached.delivered],
                started=[case.pk for case in reached.started],
            )
    finally:
        _depth.reset(token)


# ---------------------------------------------------------------------------------------------
# Shared steps


def _declaring(kind: str, name: str) -> list:
    """(definition, process info) of the latest version, not retired, of each process that names it."""
    found = []
    for definition in _latest_definitions():
        info = package_for(definition).processes.get(definition.key)
        if info is not None and name in (info.messages if kind == MESSAGE else info.signals):
            found.append((definition, info))
    return found


def _latest_definitions() -> list[ProcessDefinition]:
    latest: dict[str, ProcessDefinition] = {}
    for definition in (
        ProcessDefinition.objects.filter(retired=False).defer("files").order_by("key", "-version")
    ):
        latest.setdefault(definition.key, definition)
    return list(latest.values())


def _scope_q(paths: tuple[str, ...] | None) -> Q:
    if paths is None:
        return Q()
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(org_path__startswith=path)
    return q


def _waiting_cases(kind: str, name: str, values: dict[str, str] | None, sender: Sender) -> list[int]:
    """Ids of the running cases in scope waiting for it; for a message, at most two (enough to refuse)."""
    rows = Subscription.objects.filter(
        _scope_q(sender.paths),
        status=SubscriptionStatus.WAITING,
        kind=kind,
        name=name,
        instance__status=InstanceStatus.RUNNING,
    )
    if values is not None:
        rows = rows.filter(correlation_key=correlation_key(values))
    if sender.source is not None:
        rows = rows.exclude(instance=sender.source)
    ids = rows.order_by("instance_id").values_list("instance_id", flat=True).distinct()
    return list(ids[:2] if kind == MESSAGE else ids)


def _locked(instance_id: int) -> ProcessInstance | None:
    return (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("definition", "organisation")
        .defer("definition__files")
        .filter(pk=instance_id)
        .first()
    )


def _checked_data(
    definition: ProcessDefinition, schema: str | None, data: Any, kind: str, name: str
) -> dict[str, Any]:
    """The data checked against the message's or signal's schema, keeping only what it declares."""
    if data in (None, ""):
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object.", {"data": ["Must be a JSON object."]})
    package = package_for(definition)
    if not schema:
        if data:
            raise InvalidInput(
                f"{kind} {name} 没有声明数据 / the {kind} {name!r} declares no data (the diagram "
                "names no schema for it); send it without data.",
                {"data": ["This message or signal carries no data."]},
            )
        return {}
    validate_form(package, schema, data)
    declared = package.forms.get(schema, {}).get("properties") or {}
    return {key: value for key, value in data.items() if key in declared}


def _deliver_to(
    instance: ProcessInstance,
    rows: list[Subscription],
    fields: dict[str, Any],
    values: dict[str, str],
    sender: Sender,
    kind: str,
    name: str,
) -> None:
    """Restore the locked case, hand the event to each waiting row's task, save, sync, audit."""
    before = instance.data
    try:
        running = engine().restore(package_for(instance.definition), instance.state)
        for row in rows:
            running.deliver(row.engine_task_id, kind, name, fields, values)
        snapshot = running.snapshot()
    except NotWaiting as exc:
        raise NotFound(f"该案件已不再等待 {name} / the case no longer waits for {name!r}.") from exc
    except EngineError as exc:
        raise engine_failure(exc) from exc
    now = timezone.now()
    for row in rows:
        row.status = SubscriptionStatus.DELIVERED
        row.closed_at = now
        row.save(update_fields=["status", "closed_at", "correlation_key"])
    delivered = event_build(
        action=f"{kind}.delivered",
        actor=sender.user,
        instance=instance,
        before=before,
        after=snapshot.data,
        name=name,
        bpmn_ids=[row.bpmn_id for row in rows],
        correlation=values,
        fields=sorted(fields),
        steps=list(snapshot.steps),
        **sender.audit(),
    )
    sync_rows(instance, snapshot, actor=sender.user, events=[delivered], save_later=True)
    save_snapshot(instance, snapshot)


def _start_by(
    definition: ProcessDefinition,
    start_event: str,
    fields: dict[str, Any],
    values: dict[str, str],
    sender: Sender,
    kind: str,
    name: str,
) -> ProcessInstance:
    from server.processes.services.instances import instance_create

    # The sender's own organisation: a court's client files the case with the office it serves.
    organisation = sender.organisation or definition.organisation
    if organisation is None:
        raise InvalidInput(
            f"无法确定新案件所属机构 / no organisation for the case the {kind} {name!r} would start.",
            {"organisation": ["Unknown."]},
        )
    trigger = {kind: name, "correlation": values, **sender.audit()}
    return instance_create(
        definition=definition,
        organisation=organisation,
        data={},
        user=sender.user,
        start_event=start_event,
        payload=fields,
        correlation=values,
        trigger=trigger,
    )


def _shown(values: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(values.items())) or "no correlation"


def _detail(exc: Exception) -> str:
    return getattr(exc, "summary", None) or str(getattr(exc, "detail", exc))

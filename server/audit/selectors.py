"""Reading the audit log: walking the chain, and which events figures may trust."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max

from server.audit.chain import GENESIS, HASHED_FIELDS, event_hash
from server.audit.models import Event, Verification

# What each problem means, as the verification reports it (中文 / English).
PROBLEMS = {
    "missing": "此前的事件缺失（被删除）/ the event(s) before this one are missing (deleted)",
    "changed": "事件内容或位置被改动 / this event's content or place in the chain was changed",
    "rehashed": "事件被改动并重算了哈希，下一事件不再与之相连 / this event was changed and re-hashed: "
    "the next event is chained to what it was before",
    "out_of_order": "事件编号早于链中前一事件 / this event's id is lower than the previous event's: "
    "it was put into the chain out of order",
    "back_dated": "事件时间早于同一案件的前一事件（倒签）/ this event is dated before an earlier event of "
    "the same case (back-dated)",
    "rewritten": "与已核验的链不符，此前的历史被改写 / differs from the chain as verified before: "
    "history up to here was rewritten",
    "unaccompanied": "里程碑事件不是与办理该步骤的事件一同写入的（事后伪造）/ this milestone was not written "
    "together with the step of its case that passed it (added afterwards)",
    "outside_chain": "事件不在链中 / this event is not in the chain",
    "truncated": "链尾的事件被删除 / events at the end of the chain were removed",
}


# Families of the events Lexflow itself writes; every other action of a case is a milestone of
# its diagram (`complaint.accepted`), written in one INSERT with the step that passed it.
# A family Lexflow adds (messages, signals, integration clients, schedules…) must be named here.
SYSTEM_FAMILIES = frozenset(
    {
        "task",
        "instance",
        "timer",
        "document",
        "user",
        "process",
        "admin",
        "audit",
        "archive",
        "message",
        "signal",
        "client",
        "schedule",
        "incident",
        "substitute",
    }
)


def is_milestone(action: str, instance_id: int | None) -> bool:
    return instance_id is not None and action.partition(".")[0] not in SYSTEM_FAMILIES


def accompanied(event: dict[str, Any] | Event, previous: dict[str, Any] | Event | None) -> bool:
    """A milestone follows, in the chain, an event of the same case written at the same moment
    (the step's own event, or another of that step's events)."""

    def get(row: Any, name: str) -> Any:
        return row[name] if isinstance(row, dict) else getattr(row, name)

    return (
        previous is not None
        and get(previous, "instance_id") == get(event, "instance_id")
        and get(previous, "created_at") == get(event, "created_at")
    )


def clock_tolerance() -> timedelta:
    return timedelta(seconds=settings.LEXFLOW["AUDIT_CLOCK_TOLERANCE"])


@dataclass(frozen=True)
class ChainFault:
    id: int | None
    seq: int | None
    at: datetime | None
    problem: str
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "at": self.at.isoformat() if self.at else None,
            "problem": self.problem,
            "message": PROBLEMS[self.problem] + (f" ({self.detail})" if self.detail else ""),
        }


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int | None
    head_hash: str
    first_bad: ChainFault | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": {"seq": self.head_seq, "hash": self.head_hash} if self.head_seq else None,
            "first_bad": self.first_bad.as_dict() if self.first_bad else None,
        }


_WALKED = ("id", *HASHED_FIELDS, "hash")


def chain_walk(*, chunk: int = 2000, on_progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the chain from its first event to the head as it is now; stop at the first fault.

    Each event must follow the one before it without a gap (`seq`), hash to its stored hash
    (content and place), be chained to the previous event's hash, have a higher id than the
    previous event, not be dated before an earlier event of its case (beyond the clock
    tolerance), and agree with the head recorded by every earlier successful verification.
    Events written meanwhile are left for the next walk.
    """
    head = Event.objects.aggregate(head=Max("seq"))["head"] or 0
    anchors = dict(
        Verification.objects.filter(ok=True, head_seq__isnull=False).values_list("head_seq", "head_hash")
    )
    tolerance = clock_tolerance()
    expected, prev_hash, prev = 1, GENESIS, None
    case_last: dict[int, tuple[datetime, int]] = {}
    checked = 0

    def report(fault: ChainFault | None) -> ChainReport:
        return ChainReport(
            ok=fault is None,
            checked=checked,
            head_seq=prev["seq"] if prev and fault is None else None,
            head_hash=prev["hash"] if prev and fault is None else "",
            first_bad=fault,
        )

    outside = Event.objects.filter(seq__isnull=True).order_by("id").values("id", "created_at").first()
    while expected <= head:
        rows = list(
            Event.objects.filter(seq__gte=expected, seq__lte=head).order_by("seq").values(*_WALKED)[:chunk]
        )
        if not rows:
            break
        for row in rows:
            fault = _fault(row, expected, prev_hash, prev, case_last, anchors, tolerance)
            if fault is not None:
                return report(fault)
            checked += 1
            expected, prev_hash, prev = row["seq"] + 1, row["hash"], row
            if row["instance_id"] is not None:
                case_last[row["instance_id"]] = (row["created_at"], row["id"])
        if on_progress is not None:
            on_progress(checked)
    if outside is not None:
        return report(ChainFault(outside["id"], None, outside["created_at"], "outside_chain"))
    last_anchor = max(anchors, default=0)
    if last_anchor > (prev["seq"] if prev else 0):
        verified = Verification.objects.filter(ok=True, head_seq=last_anchor).order_by("id").first()
        return report(
            ChainFault(
                prev["id"] if prev else None,
                prev["seq"] if prev else None,
                prev["created_at"] if prev else None,
                "truncated",
                f"the chain reached seq {last_anchor} when verified at {verified.finished_at.isoformat()}",
            )
        )
    return report(None)


def _fault(
    row: dict[str, Any],
    expected: int,
    prev_hash: str,
    prev: dict[str, Any] | None,
    case_last: dict[int, tuple[datetime, int]],
    anchors: dict[int, str],
    tolerance: timedelta,
) -> ChainFault | None:
    def fault(problem: str, detail: str = "", of: dict[str, Any] = row) -> ChainFault:
        return ChainFault(of["id"], of["seq"], of["created_at"], problem, detail)

    if row["seq"] != expected:
        return fault(
            "missing", f"seq {expected}" + (f"-{row['seq'] - 1}" if row["seq"] - 1 > expected else "")
        )
    if event_hash(row) != row["hash"]:
        return fault("changed")
    if row["prev_hash"] != prev_hash:
        # This event is intact, so the one before it was changed and given a new hash.
        return fault("rehashed", of=prev) if prev is not None else fault("changed")
    if prev is not None and row["id"] <= prev["id"]:
        return fault("out_of_order", f"previous event id {prev['id']}")
    if anchors.get(row["seq"], row["hash"]) != row["hash"]:
        return fault("rewritten")
    if is_milestone(row["action"], row["instance_id"]) and not accompanied(row, prev):
        return fault("unaccompanied")
    earlier = case_last.get(row["instance_id"]) if row["instance_id"] is not None else None
    if earlier is not None and row["created_at"] < earlier[0] - tolerance:
        return fault("back_dated", f"event {earlier[1]} of the same case is dated {earlier[0].isoformat()}")
    return None


def events_sound(events: Iterable[Event]) -> list[Event]:
    """The events (of any cases, in chain order) that official figures may count.

    Leaves out an event whose content no longer matches its hash (changed behind the
    triggers), a milestone not written together with the step that passed it, and one dated
    before an event chained ahead of it in the same case (back-dated): what `chain_walk`
    reports, applied to just these events (one query for the milestones' predecessors).
    """
    events = list(events)
    predecessors = {
        seq + 1: row
        for seq, *row in Event.objects.filter(
            seq__in=[event.seq - 1 for event in events if is_milestone(event.action, event.instance_id)]
        ).values_list("seq", "instance_id", "created_at")
    }
    tolerance = clock_tolerance()
    sound: list[Event] = []
    latest: dict[int | None, datetime] = {}
    for event in events:
        if event.hash != event_hash({name: getattr(event, name) for name in HASHED_FIELDS}):
            continue
        if is_milestone(event.action, event.instance_id):
            before = predecessors.get(event.seq)
            previous = {"instance_id": before[0], "created_at": before[1]} if before else None
            if not accompanied(event, previous):
                continue
        last = latest.get(event.instance_id)
        if last is not None and event.created_at < last - tolerance:
            continue
        latest[event.instance_id] = max(last, event.created_at) if last else event.created_at
        sound.append(event)
    return sound


def verification_latest() -> Verification | None:
    return Verification.objects.order_by("-id").first()

"""When a timer start event starts a case: `timeDate`, ISO 8601 repeats and cron lines.

SpiffWorkflow runs a cyclic timer start as new branches inside one instance and cannot read
cron at all. Lexflow instead schedules timer start events itself (the server keeps the next
occurrence in an indexed row and starts one case per occurrence), so this module only works
out occurrences; it never touches an instance.

- `timeDate`: one occurrence, an ISO 8601 date-time (local time when it has no offset).
- `timeCycle` as an ISO 8601 repeat: `R/2026-01-01T08:00/P1D` (every day from then),
  `R12/2026-01-05T09:00/P1M` (twelve times), `R5/P1W/2026-12-31T00:00` (five weekly
  occurrences ending then), `R/PT12H` (every twelve hours from the deployment).
- `timeCycle` as cron, as Camunda files write it (Quartz: `sec min hour day month weekday
  [year]`, weekday 1-7 from Sunday, `?` for "any"), or five-field Unix cron. Local time.

Expressions may be written as Python string literals (Lexflow's timers are Python, ENGINE-NOTES
trap 1) or as the bare literal other modellers write; they cannot read case data.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from croniter import croniter
from dateutil.relativedelta import relativedelta
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

DATE = "date"
REPEAT = "repeat"
CRON = "cron"

_FIELDS = re.compile(r"^\S+(\s+\S+){4,6}$")
_MAX_STEPS = 100_000


class ScheduleError(ValueError):
    """The expression is not a schedule Lexflow can keep; the message says what to write."""


@dataclass(frozen=True)
class Schedule:
    """A parsed timer start: its kind and what it needs to list occurrences."""

    kind: str
    text: str  # the literal, without Python quotes
    moment: datetime | None = None  # DATE; REPEAT's fixed start or end
    period: relativedelta | None = None  # REPEAT
    count: int | None = None  # REPEAT: None repeats forever
    ends: bool = False  # REPEAT written as period/end: `moment` is the last occurrence
    cron: str | None = None  # CRON, in croniter's syntax

    def first(self, now: datetime, *, anchor: datetime, tz: tzinfo) -> datetime | None:
        """The first occurrence at or after `now`; `anchor` is when the schedule was set up
        (a repeat with no start counts from it). A `timeDate` already past still has its
        one occurrence (it starts at the next sweep), as in Camunda."""
        if self.kind == DATE:
            return self.moment
        if self.kind == CRON:
            return _cron_next(self.cron, now - timedelta(seconds=1), tz)
        start = self._start(anchor)
        index = max(0, self._index_at_or_after(start, now))
        return self._occurrence(start, index)

    def after(self, previous: datetime, *, anchor: datetime, tz: tzinfo) -> datetime | None:
        """The occurrence that follows `previous` (an occurrence of this schedule), if any."""
        if self.kind == DATE:
            return None
        if self.kind == CRON:
            return _cron_next(self.cron, previous, tz)
        start = self._start(anchor)
        index = self._index_at_or_after(start, previous)
        if self._occurrence_unbounded(start, index) <= previous:
            index += 1  # `previous` was occurrence `index`: the next one
        return self._occurrence(start, index)

    # ---------------------------------------------------------------- repeats

    def _start(self, anchor: datetime) -> datetime:
        if self.moment is None:
            return anchor + self.period
        if self.ends:
            return self.moment - self.period * (self.count - 1)
        return self.moment

    def _occurrence_unbounded(self, start: datetime, index: int) -> datetime:
        return start + self.period * index

    def _occurrence(self, start: datetime, index: int) -> datetime | None:
        if index < 0 or (self.count is not None and index >= self.count):
            return None
        return self._occurrence_unbounded(start, index)

    def _index_at_or_after(self, start: datetime, moment: datetime) -> int:
        """The smallest index whose occurrence is at or after `moment` (may be past `count`)."""
        if moment <= start:
            return 0
        step = (start + self.period) - start
        index = max(0, int((moment - start) / step) - 1) if step > timedelta(0) else 0
        for _ in range(_MAX_STEPS):
            if self._occurrence_unbounded(start, index) >= moment:
                return index
            index += 1
        raise ScheduleError("the repeat is too fine-grained to follow")


def parse(kind: str, expression: str, *, tz: tzinfo) -> Schedule:
    """Read a timer start event's `timeDate` or `timeCycle`; ScheduleError says what is wrong."""
    text = _literal(expression)
    if kind == "timeDuration":
        raise ScheduleError(
            "开始事件的定时器需要日期（timeDate）或周期（timeCycle） / a timer start event needs a date "
            "(timeDate) or a cycle (timeCycle); a duration has nothing to count from"
        )
    if kind == "timeDate":
        return Schedule(DATE, text, moment=_datetime(text, tz))
    if kind != "timeCycle":
        raise ScheduleError(f"unknown timer kind {kind}")
    if text.upper().startswith("R"):
        return _repeat(text, tz)
    if _FIELDS.match(text):
        cron = _croniter_syntax(text)
        if not croniter.is_valid(cron, second_at_beginning=len(text.split()) > 5):
            raise ScheduleError(f"cron 表达式 {text!r} 无效 / {text!r} is not a valid cron expression")
        return Schedule(CRON, text, cron=cron)
    raise ScheduleError(
        f"周期 {text!r} 既不是 ISO 8601 重复也不是 cron / the cycle {text!r} is neither an ISO 8601 repeat "
        '(e.g. "R/2026-01-01T08:00:00/P1D") nor a cron line (e.g. "0 0 8 * * ?")'
    )


def _literal(expression: str) -> str:
    text = (expression or "").strip()
    if not text:
        raise ScheduleError("定时器为空 / the timer is empty")
    if text[0] in "\"'":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise ScheduleError(f"{text} is not a string literal") from exc
        if not isinstance(value, str):
            raise ScheduleError(f"{text} is not a string")
        return value.strip()
    if re.fullmatch(r"[A-Za-z_][\w.\[\]\"']*", text) and not re.match(r"(R\d*/|P[\dT])", text, re.IGNORECASE):
        raise ScheduleError(
            f"开始事件的定时器不能读取案件数据 / a timer start event cannot read case data ({text}); "
            'write the date or cycle itself, e.g. "R/2026-01-01T08:00:00/P1D"'
        )
    return text


def _datetime(text: str, tz: tzinfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ScheduleError(
            f"{text!r} 不是 ISO 8601 日期时间 / {text!r} is not an ISO 8601 date-time "
            "like 2026-05-01T08:00:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def _period(text: str) -> relativedelta:
    try:
        parts = TimerEventDefinition.parse_iso_duration(text)
    except Exception as exc:  # the library raises a bare Exception
        raise ScheduleError(f"{text!r} 不是 ISO 8601 时长 / {text!r} is not an ISO 8601 duration") from exc
    period = relativedelta(
        years=int(parts.get("years", 0)),
        months=int(parts.get("months", 0)),
        weeks=int(parts.get("weeks", 0)),
        days=int(parts.get("days", 0)),
        hours=int(parts.get("hours", 0)),
        minutes=int(parts.get("minutes", 0)),
        seconds=int(parts.get("seconds", 0)),
    )
    start = datetime(2000, 1, 1, tzinfo=UTC)
    if start + period <= start:
        raise ScheduleError(f"the period {text!r} must be longer than nothing")
    return period


def _repeat(text: str, tz: tzinfo) -> Schedule:
    parts = text.split("/")
    head = parts[0].upper()
    if not re.fullmatch(r"R\d*", head) or len(parts) not in (2, 3):
        raise ScheduleError(
            f"{text!r} 不是 ISO 8601 重复 / {text!r} is not an ISO 8601 repeat like R/2026-01-01T08:00:00/P1D"
        )
    count = int(head[1:]) if head[1:] else None
    if count == 0:
        raise ScheduleError(f"{text!r} repeats no times")
    if len(parts) == 2:
        return Schedule(REPEAT, text, period=_period(parts[1]), count=count)
    first, second = parts[1], parts[2]
    if first.upper().startswith("P"):
        if count is None:
            raise ScheduleError(f"{text!r}: a repeat that ends at a date must say how many times (R5/...)")
        return Schedule(
            REPEAT, text, moment=_datetime(second, tz), period=_period(first), count=count, ends=True
        )
    return Schedule(REPEAT, text, moment=_datetime(first, tz), period=_period(second), count=count)


def _croniter_syntax(text: str) -> str:
    """Quartz (6-7 fields, seconds first, weekday 1-7 from Sunday) -> croniter's syntax."""
    fields = text.split()
    if len(fields) == 5:
        return text
    fields[5] = re.sub(r"(?<![#\d])\d+", _quartz_weekday, fields[5])  # not the n of "6#3"
    return " ".join(fields)


def _quartz_weekday(match: re.Match) -> str:
    number = int(match.group())
    return str(number - 1) if 1 <= number <= 7 else match.group()


def _cron_next(cron: str | None, after: datetime, tz: tzinfo) -> datetime | None:
    seconds = len((cron or "").split()) > 5
    try:
        moment = croniter(cron, after.astimezone(tz), second_at_beginning=seconds).get_next(datetime)
    except (ValueError, KeyError, StopIteration, OverflowError):
        return None
    return moment.astimezone(UTC)

"""`Idempotency-Key`: a retried start or completion gets the first answer instead of acting twice.

A client whose request timed out or whose connection dropped cannot tell whether its start
or completion happened; sending it again would open a second case, or earn a 409 for its
own completion. With `Idempotency-Key: <a unique string>` on the request, a retry with the
same key by the same user gets the first answer again — the same status and body, with
`Idempotent-Replayed: true` — and nothing happens twice.

- The key's row is written first in the transaction of the operation, before the case is
  locked (`server.processes.services.locks`). A retry arriving while the first attempt is
  still running waits for it on the key's unique index, then replays its answer; if the
  first attempt failed, the retry goes ahead itself. So concurrent retries have one effect.
- Only successes are kept. A refused request (400, 403, 404, 409, 422) changed nothing, so
  it keeps nothing: a retry, or the corrected request under the same key, is judged afresh.
- A key names one request: the same key with another body or on another task is refused
  (422), since answering with the other request's outcome would be a lie.
- Keys are kept `LEXFLOW_IDEMPOTENCY_KEY_HOURS` (24) and may be used again after that;
  older rows are deleted at most once an hour by a keyed request, or by
  `manage.py purge_idempotency_keys`.
"""

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from server.core.errors import Conflict, InvalidInput
from server.core.models import IdempotencyKey

logger = logging.getLogger("lexflow.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII, as HTTP carries it unchanged: a UUID, or a quoted structured-field string.
KEY_PATTERN = r"^[!-~]{1,255}$"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    description=(
        "可选。重试时使用同一键，即得到首次的应答而不会重复办理 / Optional. Send a unique key (a UUID); "
        "a retry with the same key gets the first successful answer (same status and body, with "
        "`Idempotent-Replayed: true`) instead of acting twice. The same key with a different request "
        "is refused with 422. Keys are kept for 24 hours; refused requests keep nothing."
    ),
)
REPLAYED_PARAMETER = OpenApiParameter(
    REPLAYED_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    response=[200, 201],  # the successes, the only answers kept
    enum=["true"],
    description="present when this answer is the stored answer to an earlier request with the same key",
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = (
        "此幂等键已用于另一请求，新请求请换新键 / This Idempotency-Key was used for a different "
        "request; send a new key with a new request."
    )

    def __init__(self) -> None:
        super().__init__()
        self.errors = {HEADER: [str(self.default_detail)]}


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Make a view method's POST answer a retry with its first answer (see the module)."""

    @wraps(view_method)
    def answer(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent_response(request, lambda: view_method(view, request, *args, **kwargs))

    return answer


def idempotent_response(request: Request, perform: Callable[[], Response]) -> Response:
    key = _key_of(request)
    if key is None:
        return perform()
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        claimed, stored = _claim(request.user, key, fingerprint)
        if stored is not None:
            return Response(
                json.loads(stored.response), status=stored.status, headers={REPLAYED_HEADER: "true"}
            )
        response = perform()  # raises for a refusal: the claim goes with the rest
        if status.is_success(response.status_code):
            claimed.status = response.status_code
            claimed.response = JSONRenderer().render(response.data).decode("utf-8")
            claimed.save(update_fields=["status", "response"])
        else:
            claimed.delete()
    _purge_now_and_then()
    return response


def _key_of(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        message = (
            "幂等键须为 1 至 255 个可见 ASCII 字符 / An Idempotency-Key is 1 to 255 visible ASCII characters."
        )
        raise InvalidInput(message, {HEADER: [message]})
    return key


def _fingerprint(request: Request) -> str:
    """What makes two requests the same one: method, path and query, and the body's JSON with
    its keys in order (a client may re-encode the same body differently when it retries)."""
    data = request.data
    if hasattr(data, "lists"):  # a form or multipart body
        data = {name: values for name, values in data.lists()}
    try:
        body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    except (RecursionError, ValueError) as exc:
        message = "请求内容无法识别 / The request body cannot be compared with a retry."
        raise InvalidInput(message, {"data": [message]}) from exc
    text = f"{request.method} {request.get_full_path()}\n{body}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _claim(
    user: AbstractBaseUser, key: str, fingerprint: str
) -> tuple[IdempotencyKey | None, IdempotencyKey | None]:
    """(our new row, None) when the key is free; (None, the stored answer) for a retry."""
    kept_since = timezone.now() - _retention()
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint), None
        except IntegrityError:
            pass  # the key has a row: committed by now (an attempt still running is waited for)
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:
            continue  # purged in between: the key is free again
        if stored.created_at < kept_since:
            stored.delete()  # kept long enough: the key may name a new request
            continue
        if stored.fingerprint != fingerprint:
            raise KeyReused()
        return None, stored
    raise Conflict("此幂等键正被其他请求使用，请重试 / This Idempotency-Key is busy; try again.")


def _retention() -> timedelta:
    return timedelta(hours=settings.LEXFLOW["IDEMPOTENCY_KEY_HOURS"])


def idempotency_keys_purge(*, older_than: timedelta | None = None) -> int:
    """Delete the keys kept longer than `older_than` (default: the retention). Returns how many."""
    cutoff = timezone.now() - (older_than if older_than is not None else _retention())
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


_PURGE_EVERY_SECONDS = 3600
_next_purge = 0.0
_purging = threading.Lock()


def _purge_now_and_then() -> None:
    """Delete expired keys at most hourly per process, after a keyed request, outside its transaction."""
    global _next_purge
    if time.monotonic() < _next_purge or not _purging.acquire(blocking=False):
        return
    try:
        _next_purge = time.monotonic() + _PURGE_EVERY_SECONDS
        if deleted := idempotency_keys_purge():
            logger.info("deleted %s idempotency key(s) older than %s", deleted, _retention())
    except DatabaseError:  # only housekeeping: the next hour tries again
        logger.exception("idempotency keys could not be purged")
    finally:
        _purging.release()

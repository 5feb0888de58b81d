"""One error shape for the whole API: {type, title, status, detail, errors: {field: [messages]}}.

Modelled on RFC 9457 problem details. `errors` maps a field path (JSON-schema path for
form data, e.g. `data.applicant.id_number`) to messages, so a form can mark each field.

A database that cannot be reached (down, restarting, refusing connections, the connection
cut) is not a bug of ours and not the client's: it answers 503 with `Retry-After`, from DRF
views and Django views alike, so clients and load balancers wait and retry instead of
reporting a server error. Nothing was saved: every write is one transaction.
"""

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

TITLES = {
    400: "请求无效 / Invalid request",
    401: "未登录 / Not authenticated",
    403: "无权操作 / Forbidden",
    404: "未找到 / Not found",
    405: "不支持的方法 / Method not allowed",
    409: "冲突 / Conflict",
    413: "内容过大 / Payload too large",
    415: "不支持的格式 / Unsupported media type",
    422: "流程无法继续 / Workflow could not continue",
    429: "请求过多 / Too many requests",
    500: "服务器错误 / Server error",
    503: "服务暂不可用 / Service unavailable",
}

logger = logging.getLogger("lexflow.errors")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object was changed by someone else; reload and try again."
    default_code = "conflict"


class WorkflowFailed(exceptions.APIException):
    """The engine could not go on (a script, condition or service failed); nothing was saved."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The workflow could not continue."
    default_code = "workflow_error"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.errors = errors or {}


class InvalidInput(exceptions.ValidationError):
    """A 400 with a human detail and per-field messages."""

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__({"detail": detail})
        self.summary = detail
        self.errors = errors or {}


def problem(status_code: int, *, detail: str, code: str, errors: Any = None) -> dict[str, Any]:
    return {
        "type": f"urn:lexflow:problem:{code}",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors or {},
    }


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested serializer errors -> {"a.b": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = key if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors" and not prefix:
                path = "non_field_errors"
            flat.update(_flatten(value, path))
    elif isinstance(errors, list):
        if all(not isinstance(item, (dict, list)) for item in errors):
            flat[prefix or "non_field_errors"] = [str(item) for item in errors]
        else:
            for index, item in enumerate(errors):
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


# PostgreSQL states meaning "not now, try again": the server is shutting down or was stopped
# (57P01 admin, 57P02 crash), still starting (57P03), or full (53300). Class 08 is connection
# loss. A deadlock (40P01) is not among them: that is a bug in our lock order, and a 500.
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}
# SQLite's (primary result codes): busy, locked, I/O error, cannot open the file.
_UNAVAILABLE_SQLITE_CODES = {5, 6, 10, 14}


def database_unavailable(exc: BaseException | None) -> bool:
    """Is `exc` the database being out of reach, rather than something a request did wrong?"""
    if isinstance(exc, InterfaceError):  # the connection was already closed under us
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc
    if hasattr(cause, "sqlstate"):  # psycopg: no state at all means the connection failed
        state = cause.sqlstate
        return state is None or state.startswith("08") or state in _UNAVAILABLE_SQLSTATES
    code = getattr(cause, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _UNAVAILABLE_SQLITE_CODES


UNAVAILABLE_DETAIL = (
    "数据库暂时无法访问，请稍后重试；本次请求未保存任何内容。 / "
    "The database cannot be reached for the moment; please try again shortly. Nothing was saved."
)


def _retry_after() -> str:
    return str(settings.LEXFLOW["OUTAGE_RETRY_AFTER"])


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if database_unavailable(exc):
        logger.warning("database unavailable: %s", str(exc).strip())
        return Response(
            problem(503, detail=UNAVAILABLE_DETAIL, code="database_unavailable"),
            status=503,
            headers={"Retry-After": _retry_after()},
            content_type="application/problem+json",
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, InvalidInput):
        body = problem(response.status_code, detail=exc.summary, code="invalid", errors=exc.errors)
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.items()), ("", ["Invalid input."]))
        detail = f"{first[0]}: {first[1][0]}" if first[0] != "non_field_errors" else first[1][0]
        body = problem(400, detail=detail, code="invalid", errors=errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, (list, dict)):
            detail = "; ".join(f"{k}: {v}" for k, v in _flatten(detail).items())
        body = problem(
            response.status_code, detail=str(detail), code=str(code), errors=getattr(exc, "errors", None)
        )
    response.data = body
    response["Content-Type"] = "application/problem+json"
    return response


def json_404(request, exception=None) -> JsonResponse:  # noqa: ARG001 - Django's handler signature
    return JsonResponse(problem(404, detail="No such page.", code="not_found"), status=404)


def json_500(request) -> JsonResponse:  # noqa: ARG001
    """Django's handler500, called while the exception is being handled (so `sys.exc_info` has
    it): an error outside DRF views, in middleware, the admin or a plain Django view."""
    if database_unavailable(sys.exc_info()[1]):
        response = JsonResponse(
            problem(503, detail=UNAVAILABLE_DETAIL, code="database_unavailable"),
            status=503,
            content_type="application/problem+json",
        )
        response["Retry-After"] = _retry_after()
        return response
    return JsonResponse(
        problem(500, detail="Something went wrong on our side; it has been logged.", code="server_error"),
        status=500,
    )

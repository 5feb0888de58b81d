"""What someone guessing passwords gets (django-axes calls `locked_out`): a 429 that says, in
both languages, how long to wait, as a problem JSON for the API and as text for the admin."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse

from server.core.errors import problem


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:  # noqa: ARG001 - axes' signature
    cool_off = get_cool_off(request)
    seconds = math.ceil(cool_off.total_seconds()) if cool_off else None
    minutes = max(1, math.ceil((seconds or 60) / 60))
    detail = (
        f"登录失败次数过多，该账号在此网络地址已暂时锁定，请 {minutes} 分钟后再试。 / "
        f"Too many failed logins for this account from this address; try again in {minutes} min."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(problem(429, detail=detail, code="locked_out"), status=429)
        response["Content-Type"] = "application/problem+json"
    else:
        response = HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    if seconds:
        response["Retry-After"] = str(seconds)
    return response

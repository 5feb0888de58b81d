"""Uploads are refused before they are read past their limit, not after they are on disk.

Django streams a multipart upload through its upload handlers to memory or a temporary file
and only then does a view see its size: a 100 MiB request was received in full before the
10 MiB check said no. `BoundedUploadHandler` runs first in the chain: it refuses a request
whose `Content-Length` is over `MAX_UPLOAD_BYTES` before reading any of it (413), and a file
that grows past its limit (`MAX_ATTACHMENT_BYTES` for applicants' uploads, otherwise the
request limit) at the chunk that crosses it (400 naming the field), so neither memory nor the
disk ever holds more than the limit and one chunk.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework import exceptions, status

from server.core.errors import InvalidInput

# Views (by URL name) whose files have a smaller limit than the whole request, and the setting.
FILE_LIMITS = {"attachment-list": "MAX_ATTACHMENT_BYTES"}


def _mib(limit: int) -> str:
    return f"{limit / 1048576:g} MiB"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def file_too_large(field: str, limit: int) -> InvalidInput:
    message = f"文件不能超过 {_mib(limit)} / A file may be at most {_mib(limit)}."
    return InvalidInput(message, {field: [message]})


class BoundedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.file_limit = settings.LEXFLOW["MAX_UPLOAD_BYTES"]
        self.received = 0

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: str | None = None
    ) -> None:
        limit = settings.LEXFLOW["MAX_UPLOAD_BYTES"]
        if content_length > limit:
            raise RequestTooLarge(
                f"请求过大（上限 {_mib(limit)}）/ The request is too large ({_mib(limit)} at most)."
            )
        match = getattr(self.request, "resolver_match", None)
        setting = FILE_LIMITS.get(getattr(match, "url_name", None) or "")
        self.file_limit = settings.LEXFLOW[setting] if setting else limit

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > self.file_limit:
            raise file_too_large(self.field_name, self.file_limit)
        return raw_data  # on to the handler that keeps it (memory or a temporary file)

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file

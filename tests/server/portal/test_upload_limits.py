"""Uploads over their limit are refused before they are read past it, and an office document
that would expand past a set size — a zip bomb posing as a DOCX — is refused (issue 10, item 5)."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from server.portal.models import Attachment
from tests.server.portal.conftest import PDF, upload_file

MIB = 1024 * 1024
BOUNDARY = "lexflowboundary"


class MadeUpBody(io.RawIOBase):
    """A multipart body of `length` bytes, one file, made up as the server reads it; counts what
    the server read. Nothing of its size is ever held in memory."""

    def __init__(self, length: int, filename: str = "big.pdf") -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode() + PDF
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = length
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.served
        size = left if size is None or size < 0 else min(size, left)
        out = bytearray()
        while len(out) < size:
            at = self.served + len(out)
            if at < len(self.head):
                out += self.head[at : at + size - len(out)]
            elif at < self.length - len(self.tail):
                out += b"0" * min(size - len(out), self.length - len(self.tail) - at)
            else:
                start = at - (self.length - len(self.tail))
                out += self.tail[start : start + size - len(out)]
        self.served += len(out)
        return bytes(out)


def post_made_up(client, path: str, body: MadeUpBody):
    return client.generic(
        "POST",
        path,
        b"x",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(body.length)},
    )


@pytest.mark.parametrize("path", ["/api/v1/attachments", "/api/v1/processes"])
def test_a_request_over_20_mib_is_refused_before_any_of_it_is_read(client_for, path):
    body = MadeUpBody(100 * MIB)
    response = post_made_up(client_for("designer"), path, body)
    assert response.status_code == 413, response.content
    assert "20 MiB" in response.json()["detail"]
    assert body.served == 0
    assert not Attachment.objects.exists()


def test_a_file_over_10_mib_is_refused_at_the_chunk_that_crosses_the_limit(client_for):
    body = MadeUpBody(15 * MIB)
    response = post_made_up(client_for("applicant"), "/api/v1/attachments", body)
    assert response.status_code == 400, response.content
    assert "10 MiB" in response.json()["errors"]["file"][0]
    assert body.served <= 10 * MIB + 2 * 64 * 1024 + len(body.head)  # the limit and a chunk or so
    assert not Attachment.objects.exists()


def test_a_file_just_under_the_limit_still_goes_through(client_for):
    body = MadeUpBody(10 * MIB - 4096)
    assert post_made_up(client_for("applicant"), "/api/v1/attachments", body).status_code == 201


# ---------------------------------------------------------------------------------------------
# Zip bombs posing as DOCX

WORD_PARTS = ("[Content_Types].xml", "_rels/.rels")


def docx_with(members: dict[str, int], *, level: int = 9) -> bytes:
    """A DOCX-shaped zip whose members hold that many zero bytes, written in chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for name in WORD_PARTS:
            package.writestr(name, "<x/>")
        for name, size in members.items():
            with package.open(name, "w") as member:
                for _ in range(size // MIB):
                    member.write(bytes(MIB))
                member.write(bytes(size % MIB))
    return buffer.getvalue()


def test_a_zip_bomb_posing_as_a_docx_is_refused(client_for):
    bomb = docx_with({"word/document.xml": 200 * MIB})
    assert len(bomb) < MIB  # 200 MiB of content in well under a megabyte
    response = upload_file(client_for("applicant"), "合同.docx", bomb)
    assert response.status_code == 400
    assert "50 MiB" in response.json()["errors"]["file"][0]
    assert not Attachment.objects.exists()


def test_a_document_packed_far_more_tightly_than_a_document_is_refused(client_for):
    bomb = docx_with({"word/document.xml": 20 * MIB})  # within 50 MiB, but ~1000:1
    response = upload_file(client_for("applicant"), "合同.docx", bomb)
    assert response.status_code == 400
    assert "zip bomb" in response.json()["errors"]["file"][0]


def test_a_docx_of_thousands_of_parts_is_refused(client_for):
    many = docx_with({f"word/media/p{n}.xml": 10 for n in range(1200)})
    response = upload_file(client_for("applicant"), "合同.docx", many)
    assert response.status_code == 400
    assert "more than 1000" in response.json()["errors"]["file"][0]


def _lie_about_sizes(data: bytes, name: str, claimed: int) -> bytes:
    """The zip with `name` claiming to expand to `claimed` bytes, in its local header and in the
    central directory alike."""
    raw = bytearray(data)
    encoded = name.encode()
    for signature, name_length_at, name_at, size_at in (
        (b"PK\x03\x04", 26, 30, 22),
        (b"PK\x01\x02", 28, 46, 24),
    ):
        at = raw.find(signature)
        while at >= 0:
            (length,) = struct.unpack_from("<H", raw, at + name_length_at)
            if raw[at + name_at : at + name_at + length] == encoded:
                struct.pack_into("<I", raw, at + size_at, claimed)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_a_zip_that_lies_about_how_far_it_expands_is_refused(client_for):
    honest = docx_with({"word/document.xml": 2 * MIB})
    liar = _lie_about_sizes(honest, "word/document.xml", 1000)
    assert sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(liar)).infolist()) < 2000
    response = upload_file(client_for("applicant"), "合同.docx", liar)
    assert response.status_code == 400
    assert "damaged" in response.json()["errors"]["file"][0]


def test_the_expansion_budget_is_a_setting(client_for, settings):
    settings.LEXFLOW = {**settings.LEXFLOW, "MAX_UNZIPPED_BYTES": MIB}
    large = docx_with({"word/document.xml": 2 * MIB})
    assert upload_file(client_for("applicant"), "a.docx", large).status_code == 400
    small = docx_with({"word/document.xml": 100 * 1024})
    assert upload_file(client_for("applicant"), "a.docx", small).status_code == 201

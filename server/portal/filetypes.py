"""Which files applicants may upload, told by their content (magic bytes), not by their name alone.

A file is accepted when its content is one of the kinds below and its name ends with a suffix
of that same kind: a PDF renamed `.docx`, or an executable renamed `.pdf`, is refused. A
zip-based kind (DOCX) must also expand within a budget (`zip_problem`): whoever opens it later
(a caseworker's Word, a virus scanner) never meets a zip bomb.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    suffixes: tuple[str, ...]
    zip_based: bool = False


PDF = FileKind("PDF", "application/pdf", (".pdf",))
PNG = FileKind("PNG", "image/png", (".png",))
JPEG = FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg"))
DOC = FileKind("DOC", "application/msword", (".doc",))
DOCX = FileKind(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    zip_based=True,
)
KINDS = (PDF, PNG, JPEG, DOC, DOCX)
SUFFIXES = tuple(suffix for kind in KINDS for suffix in kind.suffixes)

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 (Compound File Binary)
_ZIP_MAGIC = b"PK\x03\x04"


def kind_for_suffix(name: str) -> FileKind | None:
    lower = name.lower()
    return next((kind for kind in KINDS if lower.endswith(kind.suffixes)), None)


def sniff(file: IO[bytes]) -> FileKind | None:
    """The kind of file `file` holds, from its first bytes (and, for DOCX, its zip directory)."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_PNG_MAGIC):
        return PNG
    if head.startswith(_JPEG_MAGIC):
        return JPEG
    if head.startswith(_OLE_MAGIC):
        return DOC
    if head.startswith(_ZIP_MAGIC) and _is_word_package(file):
        return DOCX
    return None


def _is_word_package(file: IO[bytes]) -> bool:
    """A DOCX is a zip (OPC package) with `[Content_Types].xml` and a `word/` part. Only the zip's
    directory is read, never an entry's content, so a zip bomb costs nothing here."""
    try:
        with zipfile.ZipFile(file) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names and any(name.startswith("word/") for name in names)


# Members smaller than this may pack as tightly as they like (a page of repeated XML does).
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 64 * 1024


def _mib(size: int) -> str:
    return f"{size / 1048576:g} MiB"


def zip_problem(file: IO[bytes], *, max_bytes: int, max_members: int, max_ratio: int) -> str | None:
    """Why the zip in `file` may not be accepted ("中文 / English"), or None.

    Refused: more than `max_members` members; more than `max_bytes` once expanded, by the sizes
    the zip declares or (since those can lie) by expanding every member and counting, which
    stops at the budget; a member over 1 MiB packed more tightly than `max_ratio` to 1; a
    member that does not expand to what the zip says it holds (a bad checksum).
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            members = package.infolist()
            if len(members) > max_members:
                return (
                    f"文件包含 {len(members)} 个部件，超过上限 {max_members} / "
                    f"The document holds {len(members)} parts, more than {max_members}."
                )
            too_big = (
                f"文件解压后超过 {_mib(max_bytes)}，不能接收 / "
                f"The document would expand to more than {_mib(max_bytes)}; it cannot be accepted."
            )
            if sum(member.file_size for member in members) > max_bytes:
                return too_big
            for member in members:
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > _RATIO_FLOOR and ratio > max_ratio:
                    return (
                        f"文件 {member.filename} 的压缩比异常（{ratio:.0f}:1），可能是压缩炸弹 / "
                        f"{member.filename} in the document packs {ratio:.0f}:1, far more tightly than "
                        "a document does: it may be a zip bomb."
                    )
            budget = max_bytes
            for member in members:
                if member.is_dir():
                    continue
                with package.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            return too_big
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            RuntimeError, NotImplementedError):  # fmt: skip
        return "文件已损坏或加密，无法读取 / The document is damaged or encrypted and cannot be read."
    finally:
        file.seek(0)
    return None

"""Which files applicants may upload, told by their content (magic bytes), not by their name alone.

A file is accepted when its content is one of the kinds below and its name ends with a suffix
of that same kind: a PDF renamed `.docx`, or an executable renamed `.pdf`, is refused.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    suffixes: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
PNG = FileKind("PNG", "image/png", (".png",))
JPEG = FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg"))
DOC = FileKind("DOC", "application/msword", (".doc",))
DOCX = FileKind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
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

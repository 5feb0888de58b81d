"""Parse uploaded XML before SpiffWorkflow sees it: no entities, no DTD, no network, size caps.

A DOCTYPE is refused outright rather than parsed with entities off: BPMN and DMN never
need one, and refusing it means a billion-laughs upload costs a byte scan, not memory.
"""

from __future__ import annotations

import re

from lxml import etree

from workflows.api import DeployError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PACKAGE_BYTES = 20 * 1024 * 1024

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=False,
    )


def utf8_error(name: str, content: bytes) -> DeployError | None:
    """Where a file stops being UTF-8: the line, the byte offset and the byte, or None if it is UTF-8.

    Lexflow stores and serves process files as UTF-8 text, whatever encoding a file declares,
    so a file saved in another encoding is refused, and the designer is told where to look.
    """
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset, reason = exc.start, exc.reason
    else:
        return None
    line_start = content.rfind(b"\n", 0, offset) + 1
    line_end = content.find(b"\n", offset)
    line_end = len(content) if line_end < 0 else line_end
    before = content[max(line_start, offset - 24) : offset].decode("utf-8", "replace")
    after = content[offset + 1 : min(line_end, offset + 24)].decode("utf-8", "replace")
    line = content.count(b"\n", 0, offset) + 1
    return DeployError(
        name,
        line,
        None,
        None,
        f"文件不是 UTF-8 编码 / the file is not valid UTF-8: byte 0x{content[offset]:02X} at byte offset "
        f"{offset} (line {line}, column {offset - line_start + 1}: {before!r} ▶0x{content[offset]:02X}◀ "
        f"{after!r}) {reason}; save the file as UTF-8 (it may have been saved as GBK/GB18030 or Latin-1)",
    )


def parse_xml(name: str, content: bytes) -> tuple[etree._ElementTree | None, list[DeployError]]:
    """The parsed tree, or None and the reasons it was refused."""
    if len(content) > MAX_FILE_BYTES:
        return None, [
            DeployError(name, None, None, None, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        ]
    not_utf8 = utf8_error(name, content)
    if not_utf8 is not None:
        return None, [not_utf8]
    match = _DOCTYPE.search(content)
    if match:
        line = content.count(b"\n", 0, match.start()) + 1
        return None, [
            DeployError(
                name,
                line,
                None,
                None,
                "DOCTYPE/ENTITY declarations are not allowed in process files; remove them",
            )
        ]
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        return None, [DeployError(name, line, None, None, f"malformed XML: {exc.msg}")]
    except (ValueError, etree.LxmlError) as exc:
        return None, [DeployError(name, None, None, None, f"unreadable XML: {exc}")]
    if root is None:
        return None, [DeployError(name, None, None, None, "the file is empty")]
    return etree.ElementTree(root), []

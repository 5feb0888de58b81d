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


def parse_xml(name: str, content: bytes) -> tuple[etree._ElementTree | None, list[DeployError]]:
    """The parsed tree, or None and the reasons it was refused."""
    if len(content) > MAX_FILE_BYTES:
        return None, [
            DeployError(name, None, None, None, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        ]
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

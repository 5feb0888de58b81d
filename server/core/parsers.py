"""Request bodies the API reads: JSON nested no deeper than any form, drafts or filter needs.

Python's JSON decoder gives up with a RecursionError near 1,000 levels, and data nested a
little less deep still overflows later — in `json.dumps` when the case data is stored, in the
form validator, in a deep copy — each a 500. A body nested deeper than `MAX_JSON_DEPTH` is
refused here, as a 400, before anything else sees it.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 64  # the shipped forms nest 4 deep


def json_depth(value: Any) -> int:
    """How deeply `value` nests lists and objects (a scalar is 0). Iterative: any depth is fine."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for item in node.values() if isinstance(node, dict) else node:
            if isinstance(item, (dict, list)):
                stack.append((item, depth + 1))
    return deepest


TOO_DEEP = (
    f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）/ "
    f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
)


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(TOO_DEEP)
        return data

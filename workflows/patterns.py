"""Form patterns, matched with RE2: linear in the text, whatever the pattern.

JSON Schema `pattern`s and `patternProperties` are ECMA-262 regular expressions; Python's
`re` backtracks, so `^(a+)+$` takes seconds on 27 characters and grows twice as slow with
each one more. RE2 never backtracks. It has no look-around and no back-references, so a
pattern that needs them is refused at deploy (`pattern_problem`) rather than matched some
other way. `\\uXXXX` escapes (ECMA-262, common in patterns for Chinese names) are read as
RE2's `\\x{XXXX}`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN_CHARS = 1000

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern to stderr


class PatternRefused(ValueError):
    """A pattern RE2 cannot use; the message says why, for the designer."""


def _ecma_escapes(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            code = pattern[i + 2 : i + 6]
            if pattern[i + 1] == "u" and len(code) == 4 and all(c in "0123456789abcdefABCDEF" for c in code):
                out.append(f"\\x{{{code}}}")
                i += 6
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern; PatternRefused when RE2 cannot use it."""
    if not isinstance(pattern, str):
        raise PatternRefused("a pattern must be a string")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternRefused(f"the pattern is longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(_ecma_escapes(pattern), _OPTIONS)
    except re2.error as exc:
        reason = (
            exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        )
        raise PatternRefused(
            f"the pattern {pattern!r} cannot be used ({reason}); Lexflow matches patterns with RE2, "
            "which has no look-ahead, look-behind or back-references"
        ) from None


def pattern_problem(pattern: Any) -> str | None:
    """Why a deploy refuses a pattern, or None when RE2 can match it."""
    try:
        compile_pattern(pattern)
    except PatternRefused as exc:
        return str(exc)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches anywhere in `text` (JSON Schema's `pattern` semantics)."""
    return compile_pattern(pattern).search(text) is not None

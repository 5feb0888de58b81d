"""Whether this machine can render official notices quickly and in Chinese.

WeasyPrint subsets every embedded font. With HarfBuzz's subsetter (Debian's
`libharfbuzz-subset0`) a notice in Noto CJK takes about 0.2 s; without it WeasyPrint falls back
to fontTools, in Python, and the same notice takes 7-14 s. Without a CJK font the Chinese text
is missing. Neither fails loudly, so `manage.py check` and /api/v1/health say so instead.
"""

import ctypes.util
import functools
import shutil
import subprocess

from django.core import checks

SUBSET_LIBRARY = "harfbuzz-subset"
INSTALL_HINT = "apt-get install fonts-noto-cjk libharfbuzz-subset0 (make run does this)"


@functools.cache
def fast_font_subsetting() -> bool:
    return ctypes.util.find_library(SUBSET_LIBRARY) is not None


@functools.cache
def chinese_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10)
    return bool(listed.stdout.strip())


def pdf_toolchain_problems() -> dict[str, str]:
    """What is missing for fast, Chinese PDF notices, by check id; empty when nothing is."""
    problems = {}
    if not fast_font_subsetting():
        problems["documents.W001"] = (
            "HarfBuzz subsetting (libharfbuzz-subset0) is missing: each PDF notice takes 7-14 s "
            f"instead of about 0.2 s. Install it: {INSTALL_HINT}."
        )
    if not chinese_font_installed():
        problems["documents.W002"] = (
            f"No Chinese font is installed: PDF notices would lack their Chinese text. {INSTALL_HINT}."
        )
    return problems


def pdf_toolchain_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:  # noqa: ARG001
    return [checks.Warning(problem, id=check_id) for check_id, problem in pdf_toolchain_problems().items()]

"""Helpers shared by the engine tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFORMANCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance"


def load_package(folder: str) -> dict[str, bytes]:
    """Every file of a fixture folder, as the designer would upload it."""
    return {p.name: p.read_bytes() for p in sorted((FIXTURES / folder).iterdir()) if p.is_file()}

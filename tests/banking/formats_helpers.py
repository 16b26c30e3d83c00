"""Shared by the statement-format tests: where the hand-written fixture files live."""

from __future__ import annotations

from pathlib import Path

FILES = Path(__file__).parent / "files"

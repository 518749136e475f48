"""Shared test helpers. Nothing heavy at import time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIXTURES = Path(__file__).parent / "fixtures"


def shared_data(*parts: str) -> Path:
    """Path into ../shared/data; skips the test with a reason when it is absent (fresh checkouts)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present at {path} (only on the development machine)")
    return path

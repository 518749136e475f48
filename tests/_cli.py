"""The one check of a command-line error, for subprocess runs and click's CliRunner alike."""

from __future__ import annotations

import re
from typing import Any


def one_error(r: Any, pattern: str) -> str:
    """Exit 1, one ``Error:`` line on stderr matching ``pattern``, no traceback; returns the line.

    ``r`` is a ``subprocess.CompletedProcess`` (``returncode``) or a click ``Result`` (``exit_code``).
    """
    code = r.returncode if hasattr(r, "returncode") else r.exit_code
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert code == 1, (code, r.stderr[-2000:])
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr[-2000:]
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]

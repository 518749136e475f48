"""Writing what ``trendtrace comments`` found: ``comments.csv``/``.parquet`` and ``rings.csv``/``.parquet``.

CSV text cells that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a
leading ``'`` (CONTRACT.md, "Text in outputs"), NUL bytes are removed and bidi controls replaced;
numbers and booleans stay plain (``true``/``false``). Parquet files hold the same rows unchanged.
Each file is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .rings import RingResult

__all__ = ["write_ring_outputs", "OUTPUT_FILES"]

#: The files :func:`write_ring_outputs` writes, in order.
OUTPUT_FILES = ("comments.csv", "rings.csv", "comments.parquet", "rings.parquet")


def _csv_ready(table: pa.Table) -> pa.Table:
    from ..report._common import neutralize_table

    out = neutralize_table(table)
    assert isinstance(out, pa.Table)
    return out


def _atomic(path: Path, write: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)  # type: ignore[operator]
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_ring_outputs(result: RingResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``result`` into ``out_dir`` (created if needed); returns the paths of :data:`OUTPUT_FILES`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in (("comments", result.comments), ("rings", result.rings)):
        path = out / f"{name}.csv"
        ready = _csv_ready(table)
        _atomic(path, lambda p, t=ready: pacsv.write_csv(t, p))
        written.append(path)
    for name, table in (("comments", result.comments), ("rings", result.rings)):
        path = out / f"{name}.parquet"
        _atomic(path, lambda p, t=table: pq.write_table(t, p))
        written.append(path)
    return written

"""The report stage: what people read and share, written from the store's result tables.

- :func:`report_data` → the ``report.json`` dict (schema in ``docs/report.md``);
- :func:`write_outputs` → every file of CONTRACT.md this stage owns (CSVs + Parquet copies,
  ``network.gexf``, ``network.graphml``, ``report.json``, ``report.html``);
- :func:`render_report` → the self-contained HTML page for a ``report_data`` dict;
- :mod:`trendtrace.report.serve` → ``create_app(db_path)``, the local read-only dashboard (imported
  on demand so that writing files does not load the web stack).

The report never recomputes analysis: it reads what the stages wrote, and any of their tables may
be missing (the page then says "not computed").
"""

from .data import SCHEMA_ID, report_data
from .exports import write_outputs
from .html import render_report

__all__ = ["report_data", "write_outputs", "render_report", "SCHEMA_ID"]

"""Coordination: which accounts act in lockstep, and how unlikely that is by chance.

One door, :func:`coordination`, reads the store's ``posts`` and writes the result tables
``coaction_pairs``, ``edges``, ``edge_evidence``, ``account_coordination`` and ``clusters``
(``docs/schema.md``). Method: ``docs/coordination.md``.
"""

from ._stage import coaction_counts, coordination
from .traces import TRACES, normalize_text

__all__ = ["coordination", "coaction_counts", "TRACES", "normalize_text"]

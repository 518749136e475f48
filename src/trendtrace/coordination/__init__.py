"""Coordination: which accounts act in lockstep, and how unlikely that is by chance.

One door, :func:`coordination`, reads the store's ``posts`` and writes the result tables
``coaction_pairs``, ``edges``, ``edge_evidence``, ``account_coordination`` and ``clusters``
(``docs/schema.md``). Method: ``docs/coordination.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..stage import Stage
from ._stage import coaction_counts, coordination
from .traces import TRACES, normalize_text

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store import Store

__all__ = ["coordination", "coaction_counts", "TRACES", "normalize_text", "STAGE"]


def _door(store: Store, settings: Settings) -> dict[str, int]:
    return coordination(store.con, settings)


#: The stage contract (:mod:`trendtrace.stage`).
STAGE = Stage("coordination", _door, reads=("posts",),
              writes=("coaction_pairs", "edges", "edge_evidence", "account_coordination", "clusters",
                      "cluster_hours"))

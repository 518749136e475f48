"""Example post pairs behind each kept edge, and the posts each account did in lockstep.

Users of the peers asked for the shared posts behind an edge (coordination-network-toolkit
issues); here every kept (pair, trace) gets up to ``evidence_per_edge`` co-actions, earliest first,
with both post ids, times and texts, so a reader can check the edge by eye and the exports can put
them on GEXF/GraphML edges.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["kept_action_pairs", "examples"]


def kept_action_pairs(pairs: ir.Table, kept: ir.Table) -> ir.Table:
    """The action pairs (from :func:`.window.action_pairs`) of kept (trace, account_a, account_b)."""
    return pairs.semi_join(kept, ["trace", "account_a", "account_b"])


def examples(kpairs: ir.Table, per_edge: int) -> ir.Table:
    """The first ``per_edge`` co-actions of each (trace, account_a, account_b), by time, ids, then object.

    The object breaks ties (two posts sharing several hashtags), so both engines pick the same rows.
    """
    w = ibis.window(
        group_by=[kpairs.trace, kpairs.account_a, kpairs.account_b],
        order_by=[kpairs.t_a, kpairs.t_b, kpairs.post_a, kpairs.post_b, kpairs.object],
    )
    r = kpairs.mutate(rank=ibis.row_number().over(w))
    r = r.filter(r.rank < per_edge)
    return r.select("account_a", "account_b", "trace", "object", "post_a", "post_b", "t_a", "t_b", "rank")



"""The fused account graph over all traces and its Leiden clusters.

Edges are the kept (pair, trace) tests fused per pair: ``co_actions`` and ``weight`` summed over
the pair's kept traces, ``p_value`` the smallest of them. Clusters are found with Leiden (Traag,
Waltman & van Eck 2019, *Sci. Rep.* 9:5233) on the weighted graph, optimising modularity with a
resolution parameter (``RBConfigurationVertexPartition``; resolution 1 is plain modularity), with
a fixed seed so that the same input gives the same clusters.
"""

from __future__ import annotations

import igraph as ig
import leidenalg
import numpy as np

__all__ = ["leiden_clusters"]


def leiden_clusters(
    account_a: list[str], account_b: list[str], weight: list[float], resolution: float, seed: int
) -> dict[str, int]:
    """Leiden community of every account that has an edge: ``{account_id: community index}``.

    Communities are numbered 0, 1, ... by decreasing size, ties broken by their smallest account id,
    so the numbering does not depend on the order edges come in.
    """
    if not account_a:
        return {}
    nodes = sorted(set(account_a) | set(account_b))
    index = {n: i for i, n in enumerate(nodes)}
    order = np.lexsort((np.asarray(account_b), np.asarray(account_a)))
    edges = [(index[account_a[k]], index[account_b[k]]) for k in order]
    w = [float(weight[k]) for k in order]
    g = ig.Graph(n=len(nodes), edges=edges, directed=False)
    g.es["weight"] = w
    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    groups = [sorted(nodes[v] for v in comm) for comm in part]
    groups.sort(key=lambda m: (-len(m), m[0]))
    return {acc: ci for ci, members in enumerate(groups) for acc in members}

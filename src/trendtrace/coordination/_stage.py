"""The coordination stage: posts → actions → co-action pairs → null model → edges → clusters."""

from __future__ import annotations

import functools
import logging
import time
from collections import defaultdict
from typing import Any
from collections.abc import Callable, Mapping

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import Engine
from ..settings import SettingError
from ..stage import write_table
from . import _fast
from . import evidence as ev
from . import graph, nullmodel, textsim, traces, window

log = logging.getLogger("trendtrace.coordination")

_POST_COLUMNS = [
    "post_id", "account_id", "time", "kind", "text", "ref_post_id", "reply_to_post_id",
    "hashtags", "urls", "mentions", "media", "source_file",
]


#: Traces whose objects are the same things as another trace's: counted once in an account's evidence.
TRACE_FAMILY = {"slow_retweet": "retweet"}


def _window_of(trace: str, settings: Mapping[str, Any]) -> int:
    return int(settings[traces.REGISTRY[trace].window])


def _text_ids(trace: str) -> bool:
    """The trace acts on near-duplicate text groups (``Trace.text_ids``: the ``similar`` trace)."""
    return traces.REGISTRY[trace].text_ids


class Run:
    """State of one coordination run on one engine (kept small: tables live on the backend)."""

    def __init__(self, engine: Engine, settings: Mapping[str, Any], fast: bool | None = None) -> None:
        self.engine = engine
        self.settings = settings
        # On DuckDB the pair counts and the popularity null run in numpy (:mod:`._fast`); the
        # relational form is what Spark runs, and a test holds the two equal.
        self.fast = engine.name == "duckdb" if fast is None else fast
        self._encoded: dict[str, _fast.Encoded] = {}
        self._keep: dict[str, np.ndarray] = {}
        self._sim_keys: dict[str, np.ndarray] = {}
        self.trace_names = traces.parse_traces(settings["traces"])
        self.posts = engine.posts(_POST_COLUMNS)
        self.resolution = int(engine.execute(traces.time_resolution(self.posts)))
        if self.resolution:
            log.info("times are recorded to the minute in some source: windows widened to whole minutes")
        self.windows: dict[int, list[str]] = defaultdict(list)
        for t in self.trace_names:
            w = window.effective_window(_window_of(t, settings), self.resolution)
            self.windows[w].append(t)
        self.sim_pairs: ir.Table | None = None
        self._sim_texts: ir.Table | None = None
        self._actions_tbl: ir.Table | None = None
        if any(_text_ids(t) for t in self.trace_names):
            self._similar()

    @property
    def actions(self) -> ir.Table:
        """Every action of the selected traces, materialised on the backend on first use."""
        if self._actions_tbl is None:
            acts = traces.actions(self.posts, self.trace_names, self._sim_texts,
                                  obscure_accounts=int(self.settings["obscure_accounts"]))
            self._actions_tbl = self.engine.materialize(acts, "_tt_actions")
        return self._actions_tbl

    # ------------------------------------------------------------------ stages
    def _similar(self) -> None:
        """The text-group pre-steps of the selected text traces over one sorted list of distinct
        texts (so text ids agree): ``similar`` (MinHash near-duplicates, :mod:`.textsim`) and
        ``semantic`` (paraphrases, :mod:`.semantic`). One table of (ntext, tid, comp, trace) and one
        of pairs (trace, lo, hi)."""
        t0 = time.perf_counter()
        col = self.engine.arrow(traces.distinct_texts(self.posts)).column("ntext").to_pylist()
        texts = sorted(col)
        groups: list[pa.Table] = []
        pairs: list[pa.Table] = []
        for trace in (t for t in self.trace_names if _text_ids(t)):
            if trace == "semantic":
                from . import semantic

                i, j = semantic.paraphrase_pairs(texts, float(self.settings["semantic_candidate"]),
                                                 float(self.settings["semantic_similarity"]))
                prefix = "m"
            else:
                i, j, _ = textsim.near_duplicate_pairs(
                    texts, float(self.settings["similarity"]), int(self.settings["seed"])
                )
                prefix = "s"
            used = np.unique(np.concatenate([i, j])) if len(i) else np.zeros(0, dtype=np.int64)
            comp = textsim.components(len(texts), i, j)
            groups.append(pa.table({
                "ntext": pa.array([texts[k] for k in used], pa.string()),
                "tid": pa.array(used, pa.int64()),
                "comp": pa.array([f"{prefix}{comp[k]}" for k in used], pa.string()),
                "trace": pa.array([trace] * len(used), pa.string()),
            }))
            pairs.append(pa.table({"trace": pa.array([trace] * len(i), pa.string()),
                                   "lo": pa.array(i, pa.int64()), "hi": pa.array(j, pa.int64())}))
            log.info("%s: %d distinct texts, %d pairs (%.1f s)", trace, len(texts), len(i), time.perf_counter() - t0)
        self._sim_texts = self.engine.table(pa.concat_tables(groups), "_tt_sim_texts")
        self.sim_pairs = self.engine.table(pa.concat_tables(pairs), "_tt_sim_pairs")

    def action_pairs(self, traces_: list[str], w: int, actions: ir.Table | None = None,
                     capped: bool = True) -> ir.Table:
        """Action pairs of ``traces_`` (all with window ``w``), caps applied.

        ``actions`` narrows the input (the evidence step passes actions already capped over all
        actions, with ``capped=False``); default: every action.
        """
        base = self.actions if actions is None else actions
        acts = base.filter(base.trace.isin(traces_))
        if capped:
            acts = window.capped(acts, w, int(self.settings["max_object_accounts"]), int(self.settings["seed"]))
        else:
            acts = acts.mutate(bucket=(acts.t // w).cast("int64"))
        pairs = window.action_pairs(acts, w)
        text_traces = [t for t in traces_ if _text_ids(t)]
        if text_traces and self.sim_pairs is not None:
            # only pairs of different texts that are near-duplicates of each other count
            sp = self.sim_pairs
            sim = pairs.filter(pairs.trace.isin(text_traces))
            sim = sim.mutate(lo=ibis.least(sim.tid_a, sim.tid_b), hi=ibis.greatest(sim.tid_a, sim.tid_b))
            sim = sim.semi_join(sp, ["trace", "lo", "hi"]).drop("lo", "hi")
            pairs = ibis.union(pairs.filter(~pairs.trace.isin(text_traces)), sim, distinct=False)
        return pairs

    # ------------------------------------------------------------ fast path
    def encoded(self, trace: str) -> _fast.Encoded:
        """The actions of ``trace`` as integers (cached): DuckDB hashes objects and accounts."""
        if trace not in self._encoded:
            a = traces.actions(self.posts, [trace], self._sim_texts, short_texts=True,
                               obscure_accounts=int(self.settings["obscure_accounts"]))
            a = a.select(o=a.object.hash(), a=a.account_id.hash(), t=a.t, tid=a.tid, n=a.object.length(),
                         p=a.post_id.hash())
            a = a.order_by(["o", "t"])
            tbl = self.engine.arrow(a)
            if trace == "tweet":
                tbl = tbl.filter(pc.greater_equal(tbl.column("n"), traces.MIN_TEXT_CHARS))
            tid = None
            if _text_ids(trace):
                tid = tbl.column("tid").fill_null(-1).to_numpy().astype(np.int64)
            self._encoded[trace] = _fast.encode(
                tbl.column("o").to_numpy(), tbl.column("a").to_numpy(), tbl.column("t").to_numpy(), tid,
                tbl.column("p").to_numpy(),
            )
        return self._encoded[trace]

    def _names_of(self, e: Any, idx: np.ndarray) -> list[Any]:
        """The account ids of the actions ``idx`` of the encoded trace ``e`` (for the object cap)."""
        return self.account_names(e.account_hash[idx]).tolist()

    def account_names(self, hashes: np.ndarray) -> np.ndarray:
        """Account ids (an object array) of the account ``hashes`` (int64, as :meth:`encoded` makes
        them). One scan of ``posts`` however many are asked for.

        Raises RuntimeError when two account ids share a 64-bit hash (never seen; it would merge two
        accounts, so it is refused rather than risked).
        """
        if not len(hashes):
            return np.zeros(0, dtype=object)
        want = pa.table({"h": pa.array(np.unique(hashes), pa.int64())})
        con = self.engine.con
        con.register("_tt_want", want)
        # The hash exactly as Ibis's ``.hash()`` compiles it for DuckDB (see encoded()).
        h = "CAST(CAST(hash(account_id) AS BIT) AS BIGINT)"
        try:
            got = con.sql(
                f"SELECT DISTINCT account_id, {h} AS h FROM posts WHERE {h} IN (SELECT h FROM _tt_want)"
            ).to_arrow_table()
        finally:
            con.unregister("_tt_want")
        hs = got.column("h").to_numpy()
        order = np.argsort(hs)
        hs = hs[order]
        if len(hs) > 1 and bool(np.any(hs[1:] == hs[:-1])):
            raise RuntimeError("two account ids share a 64-bit hash; rerun with --engine spark")
        names = np.asarray(got.column("account_id").to_pylist(), dtype=object)[order]
        return names[np.searchsorted(hs, hashes)]

    def _similar_keys(self, trace: str) -> np.ndarray | None:
        """The text-id pairs of the text trace ``trace`` as sorted 64-bit keys (lo << 32 | hi)."""
        if self.sim_pairs is None:
            return None
        if trace not in self._sim_keys:
            sp = self.engine.arrow(self.sim_pairs.filter(self.sim_pairs.trace == trace))
            lo = sp.column("lo").to_numpy().astype(np.int64)
            hi = sp.column("hi").to_numpy().astype(np.int64)
            self._sim_keys[trace] = np.sort((np.minimum(lo, hi) << 32) | np.maximum(lo, hi))
        return self._sim_keys[trace]

    def fast_counts(self, min_count: int = 1, by_objects: bool = True,
                    expected: bool = False) -> tuple[pa.Table, int, int]:
        """Pair counts of every trace with the statistic at least ``min_count``, sorted by trace and
        accounts (with the popularity null's ``expected`` column if asked, and the accounts' hashes
        ``_ha``, ``_hb`` for the evidence step); the number of pairs (trace × account pair with a
        co-action) in all; the number of actions."""
        cap, seed = int(self.settings["max_object_accounts"]), int(self.settings["seed"])
        prior = float(self.settings["null_prior"])
        parts: list[dict[str, Any]] = []
        tested = n_actions = 0
        for w, ts in self.windows.items():
            for t in ts:
                t0 = time.perf_counter()
                e = self.encoded(t)
                n_actions += len(e.t)
                keep = _fast.capped(e, w, cap, seed, functools.partial(self._names_of, e))
                self._keep[t] = keep
                # Distinct (object, account) pairs: one sort shared by the idf and the null's terms,
                # dropped before the pairs are made.
                ao = _fast.account_objects(e)
                idf = _fast.object_idf(e, ao)
                terms = _fast.popularity_terms(e, w, prior, ao) if expected else None
                del ao
                c = _fast.pair_counts(e, keep, w, idf, min_count, by_objects,
                                      self._similar_keys(t) if _text_ids(t) else None)
                tested += c.tested
                cols: dict[str, Any] = {
                    "trace": t, "ha": e.account_hash[c.a], "hb": e.account_hash[c.b],
                    "co_actions": c.co_actions, "co_objects": c.co_objects, "weight": c.weight,
                }
                if terms is not None:
                    big_d, a_o, s, d, n_acc = terms
                    r = n_acc / np.maximum(d, 1)
                    cols["expected"] = nullmodel.popularity_expected(d[c.a], d[c.b], big_d, a_o, s,
                                                                     r[c.a] * r[c.b])
                parts.append(cols)
                log.info("%s: %d actions, %d pairs (%.1f s)", t, len(e.t), c.tested, time.perf_counter() - t0)
        # Names back from hashes, in one scan; pairs were ordered by hash, so orient them by name.
        names = self.account_names(np.concatenate([np.concatenate([p["ha"], p["hb"]]) for p in parts])
                                   if parts else np.zeros(0, np.int64))
        fields = [("trace", pa.string()), ("account_a", pa.string()), ("account_b", pa.string()),
                  ("_ha", pa.int64()), ("_hb", pa.int64()),
                  ("co_actions", pa.int64()), ("co_objects", pa.int64()), ("weight", pa.float64())]
        if expected:
            fields.append(("expected", pa.float64()))
        schema = pa.schema(fields)
        tables = []
        at = 0
        for p in parts:
            n = len(p["ha"])
            na, nb = names[at:at + n], names[at + n:at + 2 * n]
            at += 2 * n
            swap = na > nb if n else np.zeros(0, bool)
            cols = {
                "trace": pa.array([p["trace"]] * n, pa.string()),
                "account_a": pa.array(np.where(swap, nb, na), pa.string()),
                "account_b": pa.array(np.where(swap, na, nb), pa.string()),
                "_ha": pa.array(np.where(swap, p["hb"], p["ha"]), pa.int64()),
                "_hb": pa.array(np.where(swap, p["ha"], p["hb"]), pa.int64()),
                "co_actions": pa.array(p["co_actions"], pa.int64()),
                "co_objects": pa.array(p["co_objects"], pa.int64()),
                "weight": pa.array(p["weight"], pa.float64()),
            }
            if expected:
                cols["expected"] = pa.array(p["expected"], pa.float64())
            tables.append(pa.table(cols, schema=schema))
        out = pa.concat_tables(tables) if tables else schema.empty_table()
        keys = [("trace", "ascending"), ("account_a", "ascending"), ("account_b", "ascending")]
        return out.sort_by(keys), tested, n_actions

    def pair_counts(self) -> ir.Table:
        """(trace, account_a, account_b, co_actions, weight) over every trace, materialised."""
        if self.fast:
            return self.engine.table(self.fast_counts()[0].drop_columns(["_ha", "_hb"]), "_tt_pair_counts")
        idf = window.object_idf(self.actions)
        parts = [window.pair_counts(self.action_pairs(ts, w), idf) for w, ts in self.windows.items()]
        expr = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
        return self.engine.materialize(expr, "_tt_pair_counts")

    def popularity_expected(self, cand_tbl: pa.Table) -> np.ndarray:
        """Expected co-acted objects of each row of ``cand_tbl`` under the popularity null."""
        prior = float(self.settings["null_prior"])
        out = np.zeros(cand_tbl.num_rows)
        if cand_tbl.num_rows == 0:
            return out
        trace_col = np.asarray(cand_tbl.column("trace").to_pylist(), dtype=object)
        s_cols = [f"s_{i}" for i in range(len(nullmodel.K_LEVELS))]
        for w, ts in self.windows.items():
            acts = self.actions.filter(self.actions.trace.isin(ts))
            big_d, per_pop, per_acc = nullmodel.popularity_null(acts, w, prior)
            big_d_t = {r["trace"]: r["D"] for r in self.engine.arrow(big_d).to_pylist()}
            pop = self.engine.arrow(per_pop).sort_by([("trace", "ascending"), ("a_o", "ascending")])
            degrees = self.engine.arrow(per_acc)
            deg = {(t, a): (d, n) for t, a, d, n in zip(degrees.column("trace").to_pylist(),
                                                        degrees.column("account_id").to_pylist(),
                                                        degrees.column("d").to_pylist(),
                                                        degrees.column("n").to_pylist(), strict=False)}
            pop_trace = np.asarray(pop.column("trace").to_pylist(), dtype=object)
            acc_a = cand_tbl.column("account_a").to_pylist()
            acc_b = cand_tbl.column("account_b").to_pylist()
            for t in ts:
                rows = np.flatnonzero(trace_col == t)
                if not len(rows):
                    continue
                sel = np.flatnonzero(pop_trace == t)
                a_o = np.asarray(pop.column("a_o").to_numpy(zero_copy_only=False), dtype=float)[sel]
                s = np.stack([np.asarray(pop.column(c).to_numpy(zero_copy_only=False), dtype=float)[sel]
                              for c in s_cols], axis=1) if len(sel) else np.zeros((0, len(s_cols)))
                da = np.array([deg.get((t, acc_a[i]), (0, 0)) for i in rows], dtype=float).reshape(-1, 2)
                db = np.array([deg.get((t, acc_b[i]), (0, 0)) for i in rows], dtype=float).reshape(-1, 2)
                r_a = da[:, 1] / np.maximum(da[:, 0], 1)
                r_b = db[:, 1] / np.maximum(db[:, 0], 1)
                out[rows] = nullmodel.popularity_expected(da[:, 0], db[:, 0], float(big_d_t.get(t, 0)), a_o, s,
                                                          r_a * r_b)
        return out

    def null_terms(self, candidates: ir.Table) -> ir.Table:
        """(trace, account_a, account_b, m, tau) per candidate pair and shared object."""
        prior = float(self.settings["null_prior"])
        parts = []
        for w, ts in self.windows.items():
            acts = self.actions.filter(self.actions.trace.isin(ts))
            null = nullmodel.object_null(acts, w, prior)
            parts.append(nullmodel.terms(candidates.filter(candidates.trace.isin(ts)), acts, null))
        return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def pvalues(cand: pa.Table, terms: pa.Table, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expected co-actions and p-values of the pairs in ``cand`` from their null ``terms``."""
    keys = ["trace", "account_a", "account_b"]
    idx = cand.select(keys).append_column("_i", pa.array(np.arange(cand.num_rows), pa.int64()))
    # A fixed order so that floating-point sums are the same run to run and engine to engine.
    j = terms.join(idx, keys, join_type="inner").sort_by([("_i", "ascending"), ("tau", "ascending"),
                                                          ("m", "ascending")])
    return nullmodel.pair_pvalues(
        cand.column("co_actions").to_numpy(zero_copy_only=False),
        j.column("_i").to_numpy(zero_copy_only=False),
        j.column("m").to_numpy(zero_copy_only=False).astype(np.int64),
        j.column("tau").to_numpy(zero_copy_only=False).astype(float),
        rng,
    )


# ------------------------------------------------------------------------------------ null models

class NullModel:
    """A null model for co-actions: the statistic it tests and a test giving, for every candidate
    pair, the expected statistic and an upper-tail p-value. Method: ``docs/coordination.md`` §4."""

    def __init__(self, name: str, statistic: str,
                 test: Callable[[Run, pa.Table, ir.Table], tuple[np.ndarray, np.ndarray]],
                 fast_only: bool = False) -> None:
        self.name, self.statistic, self.test, self.fast_only = name, statistic, test, fast_only


def _popularity_test(run: Run, cand_tbl: pa.Table, cand: ir.Table) -> tuple[np.ndarray, np.ndarray]:
    if "expected" in cand_tbl.column_names:  # the compiled path computed it with the counts
        expd = cand_tbl.column("expected").to_numpy(zero_copy_only=False).astype(float)
    else:
        expd = run.popularity_expected(cand_tbl)
    expd = np.nan_to_num(expd)
    return expd, nullmodel.poisson_p(cand_tbl.column("co_objects").to_numpy(zero_copy_only=False), expd)


def _permutation_test(run: Run, cand_tbl: pa.Table, cand: ir.Table) -> tuple[np.ndarray, np.ndarray]:
    return pvalues(cand_tbl, run.engine.arrow(run.null_terms(cand)))


def _shift_test(run: Run, cand_tbl: pa.Table, cand: ir.Table) -> tuple[np.ndarray, np.ndarray]:
    days = int(run.settings["shift_days"])
    shifted = np.zeros(cand_tbl.num_rows)
    trace_col = np.asarray(cand_tbl.column("trace").to_pylist(), dtype=object)
    for w, ts in run.windows.items():
        for t in ts:
            rows = np.flatnonzero(trace_col == t)
            if not len(rows):
                continue
            e = run.encoded(t)
            a = np.searchsorted(e.account_hash, cand_tbl.column("_ha").to_numpy()[rows])
            b = np.searchsorted(e.account_hash, cand_tbl.column("_hb").to_numpy()[rows])
            shifted[rows] = _fast.shift_expected(e, run._keep[t], w, days, a, b,
                                                 run._similar_keys(t) if _text_ids(t) else None)
    obs = cand_tbl.column("co_objects").to_numpy(zero_copy_only=False)
    return nullmodel.shift_pvalues(obs, shifted, 2 * days)


#: The null models, by the name the ``null_model`` setting takes.
NULL_MODELS: dict[str, NullModel] = {
    m.name: m for m in (
        NullModel("popularity", "co_objects", _popularity_test),
        NullModel("permutation", "co_actions", _permutation_test),
        NullModel("shift", "co_objects", _shift_test, fast_only=True),
    )
}


def coaction_counts(con: duckdb.DuckDBPyConnection, settings: Mapping[str, Any],
                    engine: Engine | None = None) -> pa.Table:
    """Every (trace, account_a, account_b) with at least one co-action: ``co_actions``, ``weight``.

    The raw counts before the null model, sorted; what the oracle tests and the benchmark measure.
    """
    run = Run(engine or Engine(con, settings["engine"]), settings)
    out = run.engine.arrow(run.pair_counts())
    return out.sort_by([("trace", "ascending"), ("account_a", "ascending"), ("account_b", "ascending")])


def coordination(con: duckdb.DuckDBPyConnection, settings: Mapping[str, Any],
                 engine: Engine | None = None) -> dict[str, Any]:
    """Find coordinated accounts in the store's ``posts`` and write the result tables.

    Parameters
    ----------
    con:
        Store connection with a ``posts`` table (``docs/schema.md``).
    settings:
        A :class:`trendtrace.settings.Settings` (section "coordination"): ``engine``, ``traces``,
        ``window``, ``window_hashtag``, ``max_object_accounts``, ``similarity``, ``null_prior``,
        ``min_co_actions``, ``fdr``, ``min_cluster_size``, ``leiden_resolution``, ``seed``,
        ``evidence_per_edge``.
    engine:
        Optional ready :class:`trendtrace.engine.Engine` (default: built from ``settings["engine"]``).

    Returns
    -------
    Counts for logging: ``actions``, ``tested`` (pair × trace with a co-action), ``candidates``
    (with at least ``min_co_actions``), ``edges``, ``clusters``, ``coordinated`` (accounts).

    Writes (CREATE OR REPLACE) ``coaction_pairs``, ``edges``, ``edge_evidence``,
    ``account_coordination`` (one row per account in ``posts``) and ``clusters``. Method and
    references: ``docs/coordination.md``.
    """
    t_start = time.perf_counter()
    for name in ("traces", "crowd_traces"):
        try:
            traces.parse_traces(str(settings[name]))
        except ValueError as exc:
            raise SettingError(f"setting {name}: {exc}") from None
    null = NULL_MODELS[settings["null_model"]]
    if null.fast_only and (engine.name if engine else settings["engine"]) != "duckdb":
        raise SettingError(f"setting null_model: {null.name!r} runs on the DuckDB engine only "
                           "(use 'popularity' or 'permutation' with --engine spark)")
    run = Run(engine or Engine(con, settings["engine"]), settings)
    eng = run.engine
    by_objects = null.statistic == "co_objects"
    keys = [("trace", "ascending"), ("account_a", "ascending"), ("account_b", "ascending")]
    if run.fast:
        cand_tbl, tested, n_actions = run.fast_counts(int(settings["min_co_actions"]), by_objects=by_objects,
                                                      expected=null.name == "popularity")
        cand = eng.table(cand_tbl.select(["trace", "account_a", "account_b", "co_actions", "co_objects",
                                          "weight"]), "_tt_candidates")
    else:
        n_actions = int(eng.execute(run.actions.count()))
        counts = run.pair_counts()
        tested = int(eng.execute(counts.count()))
        stat = counts.co_objects if by_objects else counts.co_actions
        cand = counts.filter(stat >= int(settings["min_co_actions"]))
        cand = eng.materialize(cand, "_tt_candidates")
        cand_tbl = eng.arrow(cand.select("trace", "account_a", "account_b", "co_actions", "co_objects",
                                         "weight")).sort_by(keys)
    log.info("actions: %d over traces %s", n_actions, ",".join(run.trace_names))
    per_trace = eng.arrow(run.actions.group_by("trace").aggregate(n=run.actions.count()))
    by_trace = dict.fromkeys(run.trace_names, 0)
    by_trace.update({str(t): int(n) for t, n in zip(per_trace.column("trace").to_pylist(),
                                                     per_trace.column("n").to_pylist(), strict=True)})
    empty = [t for t, n in by_trace.items() if n == 0]
    if empty:
        # said once more, in plain words, at the end of analyze (trendtrace.summary.analysis_notes)
        log.info("no actions in this data for trace%s %s (the fields they read are empty or absent)",
                    "s" if len(empty) > 1 else "", ", ".join(empty))
    log.info("pairs: %d tested, %d with at least %d co-actions (%.1f s)", tested, cand_tbl.num_rows,
             settings["min_co_actions"], time.perf_counter() - t_start)

    expd, p = null.test(run, cand_tbl, cand)
    pairs_tbl = cand_tbl.drop_columns([c for c in ("expected",) if c in cand_tbl.column_names])
    q = nullmodel.bh_qvalues(p, max(tested, len(p)))
    kept = q <= float(settings["fdr"])
    pairs_tbl = pairs_tbl.append_column("expected", pa.array(expd, pa.float64()))
    pairs_tbl = pairs_tbl.append_column("p_value", pa.array(p)).append_column("q_value", pa.array(q))
    pairs_tbl = pairs_tbl.append_column("kept", pa.array(kept))
    # The compiled path's account hashes go to the evidence step, not into the store.
    hash_cols = [c for c in ("_ha", "_hb") if c in pairs_tbl.column_names]
    kept_tbl = pairs_tbl.filter(pa.array(kept)).select(["trace", "account_a", "account_b", *hash_cols])
    pairs_tbl = pairs_tbl.drop_columns(hash_cols)
    write_table(con, "coaction_pairs", pairs_tbl)

    _write_edges(con)
    n_edges = int(con.execute("SELECT count(*) FROM edges").fetchall()[0][0])
    log.info("edges: %d kept of %d candidates", n_edges, len(p))

    # Evidence and lockstep posts, on the engine (restricted to kept pairs: small).
    _write_evidence(con, run, kept_tbl)

    n_clusters, n_coord = _write_clusters(con, settings, run)
    log.info("clusters: %d, coordinated accounts: %d (%.1f s total)", n_clusters, n_coord,
             time.perf_counter() - t_start)
    return {
        "actions": n_actions,
        "actions_by_trace": by_trace,
        "tested": tested,
        "candidates": len(p),
        "edges": n_edges,
        "clusters": n_clusters,
        "coordinated": n_coord,
    }


def _write_edges(con: duckdb.DuckDBPyConnection) -> None:
    order = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(traces.TRACES))
    con.execute(
        f"""
        CREATE OR REPLACE TABLE edges AS
        SELECT account_a, account_b,
               string_agg(trace, '|' ORDER BY CASE trace {order} END) AS traces,
               sum(co_actions)::BIGINT AS co_actions,
               round(sum(weight), 9) AS weight,  -- as each trace's weight: the same on every engine
               min(p_value) AS p_value,
               min(q_value) AS q_value
        FROM coaction_pairs WHERE kept
        GROUP BY account_a, account_b
        ORDER BY account_a, account_b
        """
    )


def _write_evidence(con: duckdb.DuckDBPyConnection, run: Run, kept_tbl: pa.Table) -> None:
    eng = run.engine
    per_edge = int(run.settings["evidence_per_edge"])
    ex_parts: list[pa.Table] = []
    lock_parts: list[ir.Table] = []
    if kept_tbl.num_rows:
        kept = eng.table(kept_tbl.select(["trace", "account_a", "account_b"]), "_tt_kept")
        for w, ts in run.windows.items():
            k = kept.filter(kept.trace.isin(ts))
            if run.fast:
                acts = _kept_actions_fast(run, w, ts, kept_tbl)
            else:
                # Caps over all actions first (as when counting), then only the kept accounts.
                accs = ibis.union(k.select(account_id=k.account_a), k.select(account_id=k.account_b),
                                  distinct=True)
                a = run.actions.filter(run.actions.trace.isin(ts))
                a = window.capped(a, w, int(run.settings["max_object_accounts"]), int(run.settings["seed"]))
                acts = eng.materialize(a.semi_join(accs, "account_id").drop("bucket"), f"_tt_ev_actions_{w}")
            pairs = run.action_pairs(ts, w, actions=acts, capped=False)
            kp = ev.kept_action_pairs(pairs, k)
            kp = eng.materialize(kp, f"_tt_kept_pairs_{w}")
            ex_parts.append(eng.arrow(ev.examples(kp, per_edge)))
            for acc, post in (("account_a", "post_a"), ("account_b", "post_b")):
                lock_parts.append(kp.select(account_id=kp[acc], post_id=kp[post], trace=kp.trace,
                                            object=kp.object.cast("string")))
    schema_ex = pa.schema([("account_a", pa.string()), ("account_b", pa.string()), ("trace", pa.string()),
                           ("object", pa.string()), ("post_a", pa.string()), ("post_b", pa.string()),
                           ("t_a", pa.int64()), ("t_b", pa.int64()), ("rank", pa.int64())])
    ex = pa.concat_tables([t.cast(schema_ex) for t in ex_parts]) if ex_parts else schema_ex.empty_table()
    # The per-account evidence counts are aggregated where the pairs are (the kept action pairs
    # can run to hundreds of millions of rows on a large run); only O(accounts × traces) rows
    # come back to the driver.
    lockstep, objects, families = _lockstep_counts(eng, lock_parts)
    # The example posts' times, texts and kinds, looked up where the posts are.
    ids = pc.unique(pa.chunked_array([ex.column("post_a"), ex.column("post_b")]).combine_chunks()).drop_null()
    posts = eng.posts(["post_id", "time", "text", "kind"])
    wanted = eng.table(pa.table({"post_id": ids.cast(pa.string())}), "_tt_ev_post_ids")
    ev_schema = pa.schema([("post_id", pa.string()), ("time", pa.timestamp("us")), ("text", pa.string()),
                           ("kind", pa.string())])
    ev_posts = eng.arrow(posts.semi_join(wanted, "post_id")).select(ev_schema.names).cast(ev_schema)
    con.register("_tt_ex", ex)
    con.register("_tt_ev_posts", ev_posts)
    try:
        con.execute(
            """
            CREATE OR REPLACE TABLE edge_evidence AS
            SELECT e.account_a, e.account_b, e.trace, e.object, e.post_a, e.post_b,
                   pa.time AS time_a, pb.time AS time_b, pa.text AS text_a, pb.text AS text_b,
                   pa.kind AS kind_a, pb.kind AS kind_b,
                   (e.rank + 1)::BIGINT AS example
            FROM _tt_ex e
            LEFT JOIN _tt_ev_posts pa ON pa.post_id = e.post_a
            LEFT JOIN _tt_ev_posts pb ON pb.post_id = e.post_b
            ORDER BY e.account_a, e.account_b, e.trace, example
            """
        )
    finally:
        con.unregister("_tt_ex")
        con.unregister("_tt_ev_posts")
    # An account's own evidence: the distinct objects, per trace, it co-acted on in its kept pairs
    # (for the sentence), and per *family* of traces that share objects (for the sum: an obscure
    # post co-reposted within a minute is one object of evidence, not one of retweet and one of
    # slow_retweet).
    for name, tbl in (("_tt_lockstep", lockstep), ("_tt_evidence_objects", objects),
                      ("_tt_evidence_families", families)):
        con.register("_tt_lock_in", tbl)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _tt_lock_in")
        finally:
            con.unregister("_tt_lock_in")


def _lockstep_counts(eng: Engine, parts: list[ir.Table]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """From the (account_id, post_id, trace, object) rows of every kept action pair: distinct
    lockstep posts per account; distinct objects per account and trace; distinct objects per
    account and trace family (:data:`TRACE_FAMILY`). Computed on the engine's backend."""
    schemas = (
        pa.schema([("account_id", pa.string()), ("lockstep_posts", pa.int64())]),
        pa.schema([("account_id", pa.string()), ("trace", pa.string()), ("objects", pa.int64())]),
        pa.schema([("account_id", pa.string()), ("family", pa.string()), ("objects", pa.int64())]),
    )
    if not parts:
        return tuple(s.empty_table() for s in schemas)  # type: ignore[return-value]
    lock = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    family = lock.trace.substitute(TRACE_FAMILY) if TRACE_FAMILY else lock.trace
    exprs = (
        lock.group_by("account_id").aggregate(lockstep_posts=lock.post_id.nunique()),
        lock.group_by(["account_id", "trace"]).aggregate(objects=lock.object.nunique()),
        lock.mutate(family=family).group_by(["account_id", "family"]).aggregate(objects=lambda t: t.object.nunique()),
    )
    return tuple(eng.arrow(e).cast(s) for e, s in zip(exprs, schemas, strict=True))  # type: ignore[return-value]


def _kept_actions_fast(run: Run, w: int, ts: list[str], kept_tbl: pa.Table) -> ir.Table:
    """The actions (of traces ``ts``) that take part in a co-action of a kept pair, found on the
    encoded actions and then read back as rows, so the evidence join sees only them."""
    eng = run.engine
    marks: list[pa.Table] = []
    trace_col = kept_tbl.column("trace").to_numpy(zero_copy_only=False)
    for t in ts:
        rows = np.flatnonzero(trace_col == t)
        if not len(rows):
            continue
        e = run.encoded(t)
        ha = kept_tbl.column("_ha").to_numpy()[rows]
        hb = kept_tbl.column("_hb").to_numpy()[rows]
        ia, ib = np.searchsorted(e.account_hash, ha), np.searchsorted(e.account_hash, hb)
        m = _fast.kept_actions(e, run._keep[t], w, ia, ib, run._similar_keys(t) if _text_ids(t) else None)
        assert e.post_hash is not None and e.object_hash is not None  # encoded() keeps both for evidence
        marks.append(pa.table({
            "trace": pa.array([t] * int(m.sum()), pa.string()),
            "p": pa.array(e.post_hash[m], pa.int64()),
            "o": pa.array(e.object_hash[m], pa.int64()),
        }))
    schema = pa.schema([("trace", pa.string()), ("p", pa.int64()), ("o", pa.int64())])
    marked = eng.table(pa.concat_tables(marks) if marks else schema.empty_table(), f"_tt_marked_{w}")
    posts = run.posts.semi_join(marked, run.posts.post_id.hash() == marked.p)
    # The obscure posts are judged over all reposts, not only the marked ones.
    obscure = int(run.settings["obscure_accounts"])
    a = traces.actions(run.posts, ts, run._sim_texts, obscure_accounts=obscure) if "slow_retweet" in ts \
        else traces.actions(posts, ts, run._sim_texts)
    a = a.mutate(p=a.post_id.hash(), o=a.object.hash())
    a = a.semi_join(marked, [a.trace == marked.trace, a.p == marked.p, a.o == marked.o]).drop("p", "o")
    return eng.materialize(a, f"_tt_ev_actions_{w}")


def _member_post_counts(run: Run, membership: pa.Table) -> dict[str, pa.Table]:
    """Post counts the write-up needs, computed on the engine where the posts are: posts per account
    (``_tt_acc_posts``), per cluster (``_tt_cluster_posts``), per cluster and hashtag
    (``_tt_cluster_tags``), and per cluster (null: no cluster) and quarter hour of the UTC day
    (``_tt_cluster_quarters``). All are O(accounts) or O(clusters × hashtags) rows."""
    eng = run.engine
    posts = eng.posts(["account_id", "time", "hashtags"])
    posts = posts.filter(posts.account_id.notnull())
    mem = eng.table(membership.filter(pc.is_valid(membership.column("cluster"))), "_tt_members_eng")
    per_acc = posts.group_by("account_id").aggregate(posts=posts.count())
    mp = posts.join(mem, "account_id")
    per_cluster = mp.group_by("cluster").aggregate(posts=mp.count())
    tags = mp.select("cluster", tag=mp.hashtags.unnest())
    per_tag = tags.group_by(["cluster", "tag"]).aggregate(n=tags.count())
    timed = posts.filter(posts.time.notnull())
    q = timed.left_join(mem, "account_id")
    q = q.select(cluster=q.cluster, quarter=(q.time.hour() * 4 + q.time.minute() // 15).cast("int32"))
    quarters = q.group_by(["cluster", "quarter"]).aggregate(posts=q.count())
    schemas = {
        "_tt_acc_posts": pa.schema([("account_id", pa.string()), ("posts", pa.int64())]),
        "_tt_cluster_posts": pa.schema([("cluster", pa.string()), ("posts", pa.int64())]),
        "_tt_cluster_tags": pa.schema([("cluster", pa.string()), ("tag", pa.string()), ("n", pa.int64())]),
        "_tt_cluster_quarters": pa.schema([("cluster", pa.string()), ("quarter", pa.int32()), ("posts", pa.int64())]),
    }
    exprs = {"_tt_acc_posts": per_acc, "_tt_cluster_posts": per_cluster, "_tt_cluster_tags": per_tag,
             "_tt_cluster_quarters": quarters}
    return {name: eng.arrow(e).select(schemas[name].names).cast(schemas[name]) for name, e in exprs.items()}


def _write_clusters(con: duckdb.DuckDBPyConnection, settings: Mapping[str, Any], run: Run) -> tuple[int, int]:
    e = con.execute("SELECT account_a, account_b, weight FROM edges ORDER BY account_a, account_b").fetchall()
    comm = graph.leiden_clusters(
        [r[0] for r in e], [r[1] for r in e], [r[2] for r in e],
        float(settings["leiden_resolution"]), int(settings["seed"]),
    )
    sizes: dict[int, int] = defaultdict(int)
    for c in comm.values():
        sizes[c] += 1
    min_size = int(settings["min_cluster_size"])
    # Communities are numbered by decreasing size, so kept ones get C1, C2, ... in size order.
    names: dict[int, str] = {}
    for c in sorted(sizes):
        if sizes[c] >= min_size:
            names[c] = f"C{len(names) + 1}"
    membership = pa.table({
        "account_id": pa.array(list(comm.keys()), pa.string()),
        "cluster": pa.array([names.get(c) for c in comm.values()], pa.string()),
    })
    con.register("_tt_members", membership)
    counts = _member_post_counts(run, membership)
    for name, tbl in counts.items():
        con.register(name, tbl)
    crowd = traces.parse_traces(str(settings["crowd_traces"]))
    con.register("_tt_trace_weights", pa.table({
        "trace": pa.array(list(traces.TRACES), pa.string()),
        "w": pa.array([float(settings["crowd_trace_weight"]) if t in crowd else 1.0 for t in traces.TRACES]),
        "crowd": pa.array([t in crowd for t in traces.TRACES]),
        "rank": pa.array(range(len(traces.TRACES)), pa.int64()),  # report order
    }))
    con.execute(
        """
        CREATE OR REPLACE TABLE account_coordination AS
        WITH acc AS (SELECT account_id, posts FROM _tt_acc_posts),
        deg AS (
            SELECT account_id, count(*) AS degree, sum(weight) AS strength FROM (
                SELECT account_a AS account_id, weight FROM edges
                UNION ALL SELECT account_b, weight FROM edges) GROUP BY account_id),
        kp AS (
            SELECT account_id, trace, count(*) AS partners, min(p_value) AS p FROM (
                SELECT account_a AS account_id, trace, p_value FROM coaction_pairs WHERE kept
                UNION ALL SELECT account_b, trace, p_value FROM coaction_pairs WHERE kept)
            GROUP BY account_id, trace),
        per_trace AS (
            SELECT o.account_id, o.trace, o.objects, kp.partners, kp.p, w.w, w.crowd, w.rank
            FROM _tt_evidence_objects o JOIN _tt_trace_weights w USING (trace)
            LEFT JOIN kp USING (account_id, trace)),
        fam AS (
            SELECT f.account_id, sum(f.objects * w.w) AS evidence
            FROM _tt_evidence_families f JOIN _tt_trace_weights w ON w.trace = f.family GROUP BY f.account_id),
        ev AS (
            SELECT account_id, min(p) AS min_p,
                   string_agg(trace || ' ' || objects || (CASE WHEN objects = 1 THEN ' object' ELSE ' objects' END)
                              || ' with ' || partners || (CASE WHEN partners = 1 THEN ' account' ELSE ' accounts' END)
                              || ' (p ' || printf('%.1e', p) || ')'
                              || (CASE WHEN crowd THEN ', a crowd trace' ELSE '' END),
                              '; ' ORDER BY crowd, objects * w DESC, rank) AS traces_text
            FROM per_trace GROUP BY account_id)
        SELECT acc.account_id, m.cluster,
               coalesce(ev.evidence, 0) / (coalesce(ev.evidence, 0) + $need) AS coordination_score,
               coalesce(ev.evidence, 0) >= $need AS coordinated,
               coalesce(deg.degree, 0)::BIGINT AS degree,
               coalesce(deg.strength, 0.0) AS strength,
               acc.posts::BIGINT AS posts,
               coalesce(l.lockstep_posts, 0)::BIGINT AS lockstep_posts,
               coalesce(ev.evidence, 0.0)::DOUBLE AS evidence,
               ev.min_p AS min_p_value,
               CASE WHEN ev.evidence IS NULL THEN ''
                    ELSE (CASE WHEN ev.evidence >= $need THEN 'coordinated: '
                    ELSE 'some co-action, below the rule: ' END)
                         || 'acted with other accounts, within the window and more often than chance predicts, on '
                         || ev.traces_text END AS coordination_evidence
        FROM acc
        LEFT JOIN _tt_members m USING (account_id)
        LEFT JOIN deg USING (account_id)
        LEFT JOIN _tt_lockstep l USING (account_id)
        LEFT JOIN (SELECT * FROM ev JOIN fam USING (account_id)) ev USING (account_id)
        ORDER BY acc.account_id
        """,
        {"need": float(settings["min_account_evidence"])},
    )
    con.unregister("_tt_trace_weights")
    order = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(traces.TRACES))
    con.execute(
        f"""
        CREATE OR REPLACE TABLE clusters AS
        WITH mem AS (SELECT account_id, cluster FROM account_coordination WHERE cluster IS NOT NULL),
        sizes AS (SELECT cluster, count(*) AS accounts FROM mem GROUP BY cluster),
        p AS (SELECT cluster, posts FROM _tt_cluster_posts),
        tr AS (
            SELECT cluster, string_agg(trace, '|' ORDER BY CASE trace {order} END) AS traces,
                   sum(n)::BIGINT AS edges_by_trace
            FROM (SELECT ma.cluster, c.trace, count(*) AS n
                  FROM coaction_pairs c
                  JOIN mem ma ON ma.account_id = c.account_a
                  JOIN mem mb ON mb.account_id = c.account_b AND mb.cluster = ma.cluster
                  WHERE c.kept GROUP BY ma.cluster, c.trace)
            GROUP BY cluster),
        ed AS (
            SELECT ma.cluster, count(*) AS edges, sum(e.co_actions)::BIGINT AS co_actions
            FROM edges e JOIN mem ma ON ma.account_id = e.account_a
            JOIN mem mb ON mb.account_id = e.account_b AND mb.cluster = ma.cluster
            GROUP BY ma.cluster),
        h AS (
            SELECT cluster, string_agg(tag, '|' ORDER BY n DESC, tag) AS top_hashtags FROM (
                SELECT cluster, tag, n, row_number() OVER (PARTITION BY cluster ORDER BY n DESC, tag) AS r
                FROM _tt_cluster_tags)
            WHERE r <= 5 GROUP BY cluster)
        SELECT s.cluster, s.accounts::BIGINT AS accounts, coalesce(p.posts, 0)::BIGINT AS posts,
               coalesce(tr.traces, '') AS traces, coalesce(h.top_hashtags, '') AS top_hashtags,
               coalesce(ed.edges, 0)::BIGINT AS edges, coalesce(ed.co_actions, 0)::BIGINT AS co_actions,
               CASE WHEN s.accounts > 1 THEN coalesce(ed.edges, 0) / (s.accounts * (s.accounts - 1) / 2.0)
                    ELSE 0 END AS density
        FROM sizes s LEFT JOIN p USING (cluster) LEFT JOIN tr USING (cluster)
        LEFT JOIN ed USING (cluster) LEFT JOIN h USING (cluster)
        ORDER BY s.accounts DESC, length(s.cluster), s.cluster
        """
    )
    # Posts per quarter hour of the UTC day per cluster (null: accounts in no cluster), so the
    # report shifts them into any zone (offsets are whole quarter hours) without re-reading posts.
    con.execute(
        """
        CREATE OR REPLACE TABLE cluster_hours AS
        SELECT cluster, quarter, posts FROM _tt_cluster_quarters ORDER BY cluster NULLS FIRST, quarter
        """
    )
    con.unregister("_tt_members")
    for name in counts:
        con.unregister(name)
    n_clusters = len(names)
    n_coord = int(con.execute("SELECT count(*) FROM account_coordination WHERE coordinated").fetchall()[0][0])
    return n_clusters, n_coord

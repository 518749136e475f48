"""Account signals: an explainable inauthenticity score, personas, and where accounts seem to be
operated from.

Doors (the pipeline and the CLI call these):

- :func:`account_signals` reads ``posts`` and ``accounts`` (and ``account_coordination`` and
  ``account_names`` when they exist) and writes the tables ``account_signals``, ``account_fields``,
  ``cluster_origin`` (and ``account_model`` with a trained model).
- :func:`train` fits a supervised model on a labels CSV and saves it for ``analyze --model``.

Methods: ``docs/accounts.md``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import Engine
from ..model import InputError
from ..settings import Settings
from ..stage import Stage, write_table
from .features import FEATURES, _hours_matrix, account_features, table_exists
from .origin import (AUTO, HOME_MIN_ACCOUNTS, HOME_MIN_SUPPORT, claimed_place, fixed_zone, format_offset,
                     infer_home_offset, infer_offsets, offset_distance, quiet_share, zone_offset)
from .personas import persona_sql, script_mix
from .post_aggregates import PostAggregates, median_time, post_aggregates
from .adaptive import adaptive_scores, relative_reasons
from .availability import field_availability, unavailable_features
from .score import evidence_sql, load_model, predict, save_model, train_model

__all__ = ["account_signals", "train", "FEATURES", "parse_labels", "STAGE"]

log = logging.getLogger(__name__)



def _arrow(rel: Any) -> pa.Table:
    out = rel.arrow()
    return out.read_all() if isinstance(out, pa.RecordBatchReader) else out


def _reference_time(aggregates: PostAggregates) -> datetime:
    """The posts' median time (``quantile_disc``), the date at which zone offsets are taken."""
    return median_time(aggregates.times) or datetime(2024, 1, 1)


def resolve_home(settings: Settings, offsets: np.ndarray, pooled_hours: np.ndarray,
                 when: datetime) -> dict[str, Any]:
    """The home zone the analysis compares rhythms with: the ``home_tz`` setting when it names a
    zone (``how`` = ``given``), else the offset that fits the accounts' pooled posting hours
    (``how`` = ``inferred``, see :func:`origin.infer_home_offset`), or none when the data cannot
    tell (``how`` = ``unknown``, with the reason in ``note``). Keys: ``zone`` (IANA name or None),
    ``label``, ``how``, ``utc_offset``, ``support``, ``accounts``, ``note``."""
    given = str(settings["home_tz"] or AUTO)
    if given != AUTO:
        off = zone_offset(given, when)
        return {"zone": given, "label": f"{given} ({format_offset(off)})" if off is not None else given,
                "how": "given", "utc_offset": off, "support": None, "accounts": None,
                "note": f"home zone {given}, given with --home-tz"}
    off, support, n = infer_home_offset(offsets, pooled_hours, float(settings["origin_mismatch_hours"]))
    if off is None:
        why = (f"only {n} accounts have an inferred daily rhythm (at least {HOME_MIN_ACCOUNTS} needed)"
               if n < HOME_MIN_ACCOUNTS else
               f"no UTC offset fits at least {HOME_MIN_SUPPORT:.0%} of the {n:,} accounts with an inferred "
               "daily rhythm")
        return {"zone": None, "label": "unknown", "how": "unknown", "utc_offset": None, "support": support,
                "accounts": n, "note": f"home zone not inferred: {why}; no sentence compares rhythms with a home "
                                       "zone (give one with --home-tz)"}
    label = format_offset(off)
    return {"zone": fixed_zone(off), "label": f"{label} (inferred)", "how": "inferred", "utc_offset": off,
            "support": round(support, 3), "accounts": n,
            "note": f"home zone {label}, inferred from the pooled daily rhythm of {n:,} ordinary accounts: "
                    f"{support:.0%} of them sleep as if in {label} "
                    f"(within {float(settings['origin_mismatch_hours']):g} h); give another "
                    "with --home-tz"}


def _write_home(con: duckdb.DuckDBPyConnection, home: dict[str, Any]) -> None:
    """The one-row table ``home_zone``: the zone rhythms were compared with, and how it was chosen."""
    write_table(con, "home_zone", pa.Table.from_pylist([home], schema=pa.schema([
        ("zone", pa.string()), ("label", pa.string()), ("how", pa.string()), ("utc_offset", pa.float64()),
        ("support", pa.float64()), ("accounts", pa.int64()), ("note", pa.string())])))


def _origin_columns(feats: pa.Table, hours: np.ndarray, settings: Settings, when: datetime) -> dict[str, Any]:
    """UTC offset, confidence, quiet share, claimed place and the origin note for every account.

    ``hours`` is the (accounts × 24) UTC-hour histogram of ``feats``' rows."""
    offset, conf = infer_offsets(hours, int(settings["min_posts_origin"]))
    quiet = quiet_share(hours)
    confident = float(settings["origin_confidence"])
    mismatch_hours = float(settings["origin_mismatch_hours"])

    n = feats.num_rows
    # Each distinct location string is looked up once; accounts point at it by dictionary code
    # (the last slot, for null, finds nothing).
    enc = feats.column("location").combine_chunks().dictionary_encode()
    uniq = enc.dictionary.to_pylist()
    codes = np.asarray(enc.indices.fill_null(len(uniq)).to_numpy(zero_copy_only=False), dtype=np.int64)
    place_name: list[str | None] = [None] * (len(uniq) + 1)
    place_offs: list[list[float]] = [[] for _ in range(len(uniq) + 1)]
    for u, loc in enumerate(uniq):
        p = claimed_place(loc) if loc else None
        if p is not None:
            offs = [o for o in (zone_offset(z, when) for z in p.zones) if o is not None]
            if offs:
                place_name[u] = p.name
                place_offs[u] = offs
    first_off = np.array([o[0] if o else np.nan for o in place_offs])
    claimed_off = first_off[codes]
    claimed_name = pa.array(place_name, pa.string()).take(pa.array(codes))
    note = [""] * n
    mismatch = np.zeros(n)
    for i in np.flatnonzero(~np.isnan(offset)).tolist():
        o = float(offset[i])
        sleeps = f"sleeps as if in {format_offset(o)}"
        if conf[i] < confident:
            note[i] = f"daily rhythm unclear (best guess {format_offset(o)})"
            continue
        c = codes[i]
        name = place_name[c]
        if name is not None:
            if min(offset_distance(o, x) for x in place_offs[c]) > mismatch_hours:
                note[i] = f"claims {name}; {sleeps}"
                mismatch[i] = 1.0
            else:
                note[i] = f"claims {name}; {sleeps}, which fits"
        else:
            note[i] = sleeps  # compared with the home zone later (_with_home), once the scores are known
    for i in np.flatnonzero((quiet >= 0.15) & ~np.isnan(offset)).tolist():
        note[i] = (note[i] + "; " if note[i] else "") + "no nightly pause"
    return {
        "utc_offset": pa.array(offset, mask=np.isnan(offset)),
        "utc_offset_confidence": pa.array(np.round(conf, 3), mask=np.isnan(conf)),
        "quiet_share": pa.array(quiet, mask=np.isnan(quiet)),
        "claimed_place": claimed_name,
        "claimed_utc_offset": pa.array(claimed_off, pa.float64(), mask=np.isnan(claimed_off)),
        "origin_note": pa.array(note, pa.string()),
        "origin_mismatch": pa.array(mismatch),
    }


def _signals(con: duckdb.DuckDBPyConnection, settings: Settings
             ) -> tuple[pa.Table, np.ndarray, dict[str, dict[str, Any]], dict[str, Any]]:
    """The full per-account table (features, origin, persona, script, unsupervised score, reasons),
    the (accounts × 24) hour histogram, rows in ``account_id`` order, the field availability and
    the home zone (:func:`resolve_home`)."""
    if not table_exists(con, "posts"):
        raise InputError("the store has no posts table: ingest some data first")
    avail = field_availability(con)
    available = {k for k, v in avail.items() if v["available"]}
    engine = Engine(con, str(settings["engine"]))
    aggregates = post_aggregates(engine)
    feats = account_features(con, settings, aggregates)
    when = _reference_time(aggregates)
    hours = _hours_matrix(feats)
    for name, col in _origin_columns(feats, hours, settings, when).items():
        feats = feats.append_column(name, col)
    feats = feats.drop_columns(["hours"])
    # Rows stay in account_id order (account_features sorts them): the evidence is a projection,
    # which keeps the order, and the persona and script columns are joined on the row number, so
    # no wide sort of every column is needed at the end.
    n = feats.num_rows
    feats = feats.append_column("_row", pa.array(np.arange(n, dtype=np.int64)))
    con.register("_tt_sig_in", feats)
    try:
        scripts = script_mix(con, engine=engine)
        con.register("_tt_scripts", scripts)
        personas = _arrow(con.sql(persona_sql(con, "_tt_sig_in", keep=("_row",))))
        con.register("_tt_personas", personas)
        ev = evidence_sql("_tt_sig_in", available=available, min_posts_origin=int(settings["min_posts_origin"]))
        table = _arrow(con.sql(ev))
        # one persona row per feature row; one script row per account (script_mix groups by it)
        extra = _arrow(con.sql("""
            SELECT p._row, coalesce(p.persona, '') AS persona, s.script, s.script_mix
            FROM _tt_personas p LEFT JOIN _tt_scripts s USING (account_id)
        """))
    finally:
        for t in ("_tt_sig_in", "_tt_scripts", "_tt_personas", "_tt_female_names"):
            with contextlib.suppress(Exception):  # not registered when an earlier step failed
                con.unregister(t)
    row = table.column("_row").to_numpy()
    if len(row) > 1 and not (row[1:] > row[:-1]).all():  # a projection keeps order; be sure
        table = table.take(pa.array(np.argsort(row, kind="stable")))
    extra = extra.take(pa.array(np.argsort(extra.column("_row").to_numpy(), kind="stable")))
    table = table.drop_columns(["_row"])
    for name in ("persona", "script", "script_mix"):
        table = table.append_column(name, extra.column(name))
    table = _adaptive(table, avail, int(settings["seed"]))
    table, home_info = _with_home(con, table, hours, settings, when)
    return table, hours, avail, home_info


def _with_home(con: duckdb.DuckDBPyConnection, table: pa.Table, hours: np.ndarray, settings: Settings,
               when: datetime) -> tuple[pa.Table, dict[str, Any]]:
    """Resolve the home zone (:func:`resolve_home`) from the ordinary participants: accounts that
    are neither likely inauthentic nor coordinated, each counted once, so that an operation's own
    accounts do not set the home. Then add "not the home zone ..." to the origin note of confident
    accounts that name no place and sleep more than ``origin_mismatch_hours`` from it."""
    offset = _column(table, "utc_offset")
    ordinary = _column(table, "inauthenticity_score") < float(settings["inauthentic_threshold"])
    if table_exists(con, "account_coordination"):
        coordinated = {a for (a,) in con.execute(
            "SELECT account_id FROM account_coordination WHERE coordinated").fetchall()}
        if coordinated:
            ids = table.column("account_id").to_pylist()
            ordinary &= np.array([a not in coordinated for a in ids])
    home_info = resolve_home(settings, np.where(ordinary, offset, np.nan), hours[ordinary].sum(axis=0), when)
    home_off = home_info["utc_offset"]
    if home_off is None:
        return table, home_info
    conf = _column(table, "utc_offset_confidence")
    claimed = np.asarray(table.column("claimed_place").is_valid().to_numpy(zero_copy_only=False))
    far = np.array([offset_distance(o, home_off) if not np.isnan(o) else 0.0 for o in offset])
    pick = np.flatnonzero(~np.isnan(offset) & (np.nan_to_num(conf) >= float(settings["origin_confidence"]))
                          & ~claimed & (far > float(settings["origin_mismatch_hours"])))
    if len(pick):
        notes = table.column("origin_note").to_pylist()
        for i in pick.tolist():
            head, sep, tail = (notes[i] or "").partition("; ")
            notes[i] = f"{head}, not the home zone {home_info['label']}" + (sep + tail if sep else "")
        table = table.set_column(table.column_names.index("origin_note"), "origin_note", pa.array(notes, pa.string()))
    return table, home_info


#: Features the adaptive score may use (counts of the collection itself, such as posts in the data,
#: and raw intermediates of the creation-batch test are left out).
ADAPTIVE_FEATURES: tuple[str, ...] = tuple(
    f for f in (*FEATURES, "quiet_share", "origin_mismatch")
    if f not in ("posts", "created_same_day", "created_day_expected", "batch_log10_p", "zero_second_share"))


def _column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _adaptive(table: pa.Table, avail: dict[str, dict[str, Any]], seed: int) -> pa.Table:
    """Add ``rule_score``-based ``inauthenticity_score`` from :func:`adaptive.adaptive_scores`,
    ``score_method`` and the data-relative reasons of suspect accounts."""
    gone = unavailable_features(avail)
    cols = {f: _column(table, f) for f in ADAPTIVE_FEATURES if f in table.column_names and f not in gone}
    rule = _column(table, "rule_score")
    fit = adaptive_scores(cols, rule, seed=seed)
    reasons = table.column("reasons").combine_chunks()
    if fit.method == "adaptive":
        reasons = relative_reasons(fit, cols, reasons)
    table = table.set_column(table.column_names.index("reasons"), "reasons", reasons)
    table = table.append_column("inauthenticity_score", pa.array(np.round(fit.score, 6)))
    table = table.append_column("score_method", pa.array([fit.method] * table.num_rows, pa.string()))
    return table


def _write_fields(con: duckdb.DuckDBPyConnection, avail: dict[str, dict[str, Any]]) -> None:
    """The table ``account_fields``: per source field, whether this store carries it (see
    :mod:`trendtrace.accounts.availability`)."""
    rows = [(k, bool(v["available"]), float(v["present"]), float(v["modal"]), str(v["note"])) for k, v in avail.items()]
    t = pa.table({"field": [r[0] for r in rows], "available": [r[1] for r in rows],
                  "present_share": [r[2] for r in rows], "modal_share": [r[3] for r in rows],
                  "note": [r[4] for r in rows]})
    write_table(con, "account_fields", t)


def _write_model_info(con: duckdb.DuckDBPyConnection, path: str, payload: dict[str, Any]) -> None:
    """The table ``account_model``: provenance of the trained model whose score was used."""
    import hashlib

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    m = payload.get("metrics", {})
    row = {"path": str(Path(path).resolve()), "sha256": digest, "trained_at": str(payload.get("trained_at", "")),
           "trained_by": f"trendtrace {payload.get('trendtrace', '?')}, scikit-learn {payload.get('sklearn', '?')}",
           "labels": str(payload.get("labels", "")), "n": float(m.get("n", 0)),
           "positives": float(m.get("positives", 0)),
           "cv_auc": float(m.get("cv_auc", float("nan"))), "holdout_auc": float(m.get("holdout_auc", float("nan")))}
    write_table(con, "account_model", pa.Table.from_pylist([row]))


_OUT_COLUMNS = (
    "account_id", "handle", "inauthenticity_score", "score_method", "rule_score", "reasons", "utc_offset",
    "utc_offset_confidence",
    "persona", "origin_note", "claimed_place", "claimed_utc_offset", "script", "script_mix", "languages",
    "clients", "quiet_share", "origin_mismatch",
)


def account_signals(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """Compute per-account signals and write the tables ``account_signals`` and ``cluster_origin``.

    Reads ``posts`` and ``accounts`` (and ``account_names`` for handle changes and
    ``account_coordination`` for per-cluster pooling, when they exist). ``account_signals`` has one
    row per account in ``posts`` or ``accounts``: ``inauthenticity_score`` (0-1), ``reasons``
    (plain sentences, ``'; '``-separated, strongest first), ``utc_offset`` (hours; null below
    ``settings['min_posts_origin']`` posts), ``utc_offset_confidence``, ``persona`` (``'news'``,
    ``'woman'`` or ``''``), ``origin_note`` (e.g. ``'claims Lahore; sleeps as if in UTC+3'``),
    ``claimed_place``, ``script``, ``script_mix``, ``languages``, ``clients`` and every feature
    of :data:`FEATURES` plus ``ev_*`` evidence columns, ``rule_score`` (the rules alone) and
    ``score_method``. The score is the rules' ranking re-learnt per store by
    :func:`trendtrace.accounts.adaptive.adaptive_scores` (``'adaptive'``), the rule score for a store
    too small to learn from (``'rules'``), or, when ``settings['model']`` names a model file from
    :func:`train`, that model's probability (``'model'``; reasons stay the plain-word evidence, and
    the table ``account_model`` keeps its provenance). Rules and features that need a source field
    the store does not carry contribute nothing; the table ``account_fields`` says which.
    Methods: ``docs/accounts.md``.

    Returns counts: ``accounts``, ``suspect`` (score >= ``inauthentic_threshold``),
    ``with_offset``, ``origin_mismatch``, ``news``, ``woman``, ``clusters``.
    """
    table, hours, avail, home_info = _signals(con, settings)
    _write_home(con, home_info)
    model_path = str(settings["model"] or "")
    if model_path:
        payload = load_model(model_path)
        score = predict(payload, table)
        idx = table.column_names.index("inauthenticity_score")
        table = table.set_column(idx, "inauthenticity_score", pa.array(score))
        idx = table.column_names.index("score_method")
        table = table.set_column(idx, "score_method", pa.array(["model"] * table.num_rows, pa.string()))
        _write_model_info(con, model_path, payload)
    else:
        con.execute("DROP TABLE IF EXISTS account_model")
    _write_fields(con, avail)
    front = [c for c in _OUT_COLUMNS if c in table.column_names]
    rest = [c for c in table.column_names if c not in front and c not in
            ("display_name", "description", "location", "created_day", "gmean", "gsd", "first_post", "last_post",
             "_rate", "top_client")]
    table = table.select(front + rest)
    write_table(con, "account_signals", table)
    n_clusters = _cluster_origin(con, table, hours, settings, home_info)
    score = table.column("inauthenticity_score").to_numpy(zero_copy_only=False)
    persona = table.column("persona")
    result = {
        "accounts": table.num_rows,
        "suspect": int((score >= float(settings["inauthentic_threshold"])).sum()),
        "with_offset": int(table.column("utc_offset").is_valid().to_numpy(zero_copy_only=False).sum()),
        "origin_mismatch": int(np.asarray(table.column("origin_mismatch").to_numpy(zero_copy_only=False)).sum()),
        "news": int(pc.sum(pc.equal(persona, "news")).as_py() or 0),
        "woman": int(pc.sum(pc.equal(persona, "woman")).as_py() or 0),
        "clusters": n_clusters,
    }
    log.info("account signals: %s", result)
    return result


def _mix(values: list[Any]) -> dict[str, float]:
    if not values:
        return {}
    u, c = np.unique(np.array(["" if v is None else str(v) for v in values], dtype=object), return_counts=True)
    order = np.argsort(-c, kind="stable")
    return {str(u[i]) or "none": round(float(c[i]) / len(values), 3) for i in order}


def _cluster_origin(con: duckdb.DuckDBPyConnection, table: pa.Table, hours: np.ndarray, settings: Settings,
                    home_info: dict[str, Any]) -> int:
    """Pool member histograms per cluster of ``account_coordination`` into ``cluster_origin``."""
    schema = pa.schema([
        ("cluster", pa.string()), ("utc_offset", pa.float64()), ("confidence", pa.float64()),
        ("accounts", pa.int64()), ("posts", pa.int64()), ("persona_mix", pa.string()),
        ("persona_baseline", pa.string()), ("script_mix", pa.string()), ("claimed_mix", pa.string()),
        ("mean_inauthenticity", pa.float64()), ("origin_note", pa.string()),
    ])
    clusters: list[Any] = []
    members: list[Any] = []
    if table_exists(con, "account_coordination"):
        rows = con.execute(
            "SELECT CAST(cluster AS VARCHAR), account_id FROM account_coordination WHERE cluster IS NOT NULL "
            "ORDER BY 1, 2").fetchall()
        clusters = [r[0] for r in rows]
        members = [r[1] for r in rows]
    # Row of each member (vectorised lookup; -1 for an account not in the table).
    at = pc.index_in(pa.array(members, pa.string()), value_set=table.column("account_id"))
    at = np.asarray(at.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    by_cluster: dict[str, list[int]] = {}
    for c, i in zip(clusters, at.tolist(), strict=False):
        if i >= 0:
            by_cluster.setdefault(c, []).append(i)
    keys = sorted(by_cluster)
    persona: list[Any] = []
    script: list[Any] = []
    claimed: list[Any] = []
    baseline = ""
    if keys:  # per-account lists only when some cluster needs them
        persona = table.column("persona").to_pylist()
        script = table.column("script").to_pylist()
        claimed = table.column("claimed_place").to_pylist()
        baseline = json.dumps(_mix(persona), ensure_ascii=False)
    score = np.asarray(table.column("inauthenticity_score").to_numpy(zero_copy_only=False), dtype=float)
    home = str(home_info["label"])
    home_off = home_info["utc_offset"] if keys else None
    pooled = np.array([hours[by_cluster[k]].sum(axis=0) for k in keys]).reshape(-1, 24)
    off, conf = infer_offsets(pooled, int(settings["min_posts_origin"]))
    out: dict[str, list[Any]] = {n: [] for n in schema.names}
    for j, k in enumerate(keys):
        idx = by_cluster[k]
        o = None if np.isnan(off[j]) else float(off[j])
        claims = [claimed[i] for i in idx if claimed[i]]
        claim_mix = _mix(claims)
        note = ""
        if o is not None:
            note = f"members sleep as if in {format_offset(o)}"
            if home_off is not None and offset_distance(o, home_off) > float(settings["origin_mismatch_hours"]):
                note += f", not the home zone {home}"
            if claim_mix:
                top, share = next(iter(claim_mix.items()))
                note += f"; {round(100 * share)}% of those naming a place claim {top}"
        out["cluster"].append(k)
        out["utc_offset"].append(o)
        out["confidence"].append(None if np.isnan(conf[j]) else round(float(conf[j]), 3))
        out["accounts"].append(len(idx))
        out["posts"].append(int(pooled[j].sum()))
        out["persona_mix"].append(json.dumps(_mix([persona[i] for i in idx]), ensure_ascii=False))
        out["persona_baseline"].append(baseline)
        out["script_mix"].append(json.dumps(_mix([script[i] for i in idx]), ensure_ascii=False))
        out["claimed_mix"].append(json.dumps(claim_mix, ensure_ascii=False))
        out["mean_inauthenticity"].append(round(float(score[idx].mean()), 4))
        out["origin_note"].append(note)
    result = pa.Table.from_pydict(out, schema=schema)
    write_table(con, "cluster_origin", result)
    return len(keys)


# --------------------------------------------------------------------------- training

_POSITIVE = {"1", "true", "yes", "bot", "inauthentic", "fake", "campaign", "campaign network", "polluter",
             "spam", "spammer", "suspect", "troll", "sockpuppet"}
_NEGATIVE = {"0", "false", "no", "human", "authentic", "real", "organic", "legitimate", "genuine", "ham"}


def parse_labels(path: str | Path) -> dict[str, int]:
    """Read a labels CSV (``account_id,label``) into ``{account_id: 1 inauthentic / 0 authentic}``.

    Labels accepted (case-insensitive): 1/0, true/false, yes/no, bot/human, inauthentic/authentic,
    fake/real, campaign/organic, polluter/legitimate, spam/ham and a few more. Raises InputError
    naming the file and line for a missing column, an unknown label, or conflicting labels.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: labels file not found")
    try:
        with p.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{p}: empty file; expected a header 'account_id,label'")
            cols = [h.strip().lower() for h in header]
            if "account_id" not in cols or "label" not in cols:
                raise InputError(f"{p}:1: needs columns account_id and label (found: {', '.join(header) or 'none'})")
            ia, il = cols.index("account_id"), cols.index("label")
            labels: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= max(ia, il):
                    raise InputError(f"{p}:{line}: expected {len(header)} columns, found {len(row)}")
                acc, raw = row[ia].strip(), row[il].strip()
                if not acc:
                    raise InputError(f"{p}:{line}: empty account_id")
                low = raw.lower()
                if low in _POSITIVE:
                    val = 1
                elif low in _NEGATIVE:
                    val = 0
                else:
                    raise InputError(f"{p}:{line}: label {raw!r} is not a known label "
                                     "(use 1/0, bot/human, inauthentic/authentic, fake/real, campaign/organic)")
                if acc in labels and labels[acc] != val:
                    raise InputError(f"{p}:{line}: account {acc} is labelled both ways")
                labels[acc] = val
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text") from None
    if not labels:
        raise InputError(f"{p}: no labelled accounts")
    return labels


def train(con: duckdb.DuckDBPyConnection, labels_csv: str | Path, model_path: str | Path,
          settings: Settings) -> dict[str, float]:
    """Fit a supervised inauthenticity model on the store's accounts and a labels CSV; save it.

    ``labels_csv`` has columns ``account_id`` and ``label`` (see :func:`parse_labels`). The
    features are those the unsupervised score uses (:data:`trendtrace.accounts.score.MODEL_FEATURES`);
    the model is scikit-learn's HistGradientBoostingClassifier, seeded with ``settings['seed']``,
    saved to ``model_path`` (skops format). Use it with ``analyze --model FILE``.

    Returns metrics: ``n`` (labelled accounts found in the store), ``positives``, ``unmatched``
    (labelled accounts not in the store), ``cv_auc`` and ``cv_auc_std`` (stratified 5-fold
    cross-validated ROC AUC), ``folds``.
    """
    labels = parse_labels(labels_csv)
    table, _, _, _ = _signals(con, settings)
    ids = table.column("account_id").to_pylist()
    keep = [i for i, a in enumerate(ids) if a in labels]
    if not keep:
        raise InputError(f"{labels_csv}: none of the {len(labels)} labelled accounts are in the store")
    sub = table.take(pa.array(keep))
    y = np.array([labels[ids[i]] for i in keep])
    model, metrics = train_model(sub, y, seed=int(settings["seed"]))
    metrics["unmatched"] = float(len(labels) - len(keep))
    save_model(model, model_path, metrics, labels=Path(labels_csv).name)
    log.info("trained account model: %s", metrics)
    return metrics


def _door(store: Any, settings: Settings) -> dict[str, int]:
    return account_signals(store.con, settings)


#: The stage contract (:mod:`trendtrace.stage`).
STAGE = Stage("accounts", _door, reads=("posts", "accounts"),
              uses=("account_names", "account_coordination", "clusters"),
              writes=("account_signals", "account_fields", "cluster_origin", "home_zone"),
              sometimes=("account_model",))

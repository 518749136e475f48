"""Per-account features from profiles and behaviour.

The posts are read once, on the run's engine, into per-account aggregates
(:mod:`trendtrace.accounts.post_aggregates`, Ibis: DuckDB or Spark); everything after that is per
account and runs in DuckDB SQL on the driver. :func:`account_features` reads ``posts`` and
``accounts`` (and ``account_names`` when it exists) and returns one Arrow row per account with the
columns of :data:`FEATURES` plus a few descriptive text columns. Every feature is documented in
``docs/accounts.md``; the one-line meaning of each is in :data:`FEATURES`.

Creation-date batches are judged against the data's own baseline (:func:`creation_batches`): the
number of accounts created on a day is compared with a Poisson expectation taken from the 60
surrounding days, so a data set that is mostly new accounts does not flag every one of them.
"""

from __future__ import annotations

import logging
import math

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats

from ..engine import Engine
from ..settings import Settings
from .post_aggregates import PostAggregates, post_aggregates

__all__ = ["FEATURES", "account_features", "creation_batches", "handle_entropy", "table_exists"]

log = logging.getLogger(__name__)

#: Numeric feature columns (name -> meaning). The trained model uses exactly these, in this order.
FEATURES: dict[str, str] = {
    "posts": "posts by the account in the data",
    "age_days": "account age in days when last seen (last snapshot or last post)",
    "age_at_first_post_days": "days between account creation and its first post in the data",
    "created_same_day": "accounts in the data created on the same UTC day (itself included)",
    "created_day_expected": "accounts expected on that day by chance (mean of the 60 surrounding days)",
    "batch_log10_p": "-log10 Poisson p-value of created_same_day given created_day_expected",
    "batch_log10_q": "batch_log10_p less log10 of the number of creation days tested (Bonferroni): "
    "1.3 or more means fewer than 1 in 20 chance that any day in the data reaches such a count",
    "handle_length": "characters in the handle",
    "handle_tail_digits": "length of the digit run that ends the handle",
    "handle_digit_share": "share of digits in the handle",
    "handle_entropy": "Shannon entropy of the handle's characters, bits",
    "handle_vowel_share": "share of vowels among the handle's Latin letters",
    "handle_random": "1 if the handle looks like a random string (few vowels, long consonant runs, "
    "letters and digits interleaved)",
    "name_plus_digits": "1 if the handle is letters followed by 6 or more digits (the pattern of "
    "handles the platform suggests at sign-up)",
    "no_description": "1 if the bio is empty",
    "no_location": "1 if the claimed location is empty",
    "no_url": "1 if the profile link is empty",
    "no_display_name": "1 if the display name is empty or equals the handle",
    "default_profile": "1 if the profile theme was never changed",
    "default_profile_image": "1 if the profile picture is the default one",
    "description_length": "characters in the bio",
    "followers": "followers when last seen",
    "following": "accounts followed when last seen",
    "follower_ratio": "followers / (following + 1)",
    "post_count": "posts in the account's whole life, as the platform counted them when last seen",
    "likes_given": "posts the account has liked in its whole life, when last seen",
    "listed": "lists the account is on, when last seen",
    "followers_per_day": "followers / account age in days (at least 1): a growth rate (Yang et al. 2020)",
    "following_per_day": "accounts followed / account age in days (at least 1)",
    "likes_per_day": "likes given / account age in days (at least 1)",
    "listed_per_day": "lists / account age in days (at least 1)",
    "lifetime_posts_per_day": "post_count / account age in days (whole life of the account)",
    "posts_per_day": "posts in the data / days between its first and last post (at least 1 day)",
    "repost_share": "share of posts that are reposts",
    "reply_share": "share of posts that are replies",
    "link_share": "share of posts with a link",
    "mention_share": "share of posts that mention someone",
    "dup_text_share": "share of its own-text posts whose copy key (the tweet trace's text: lower-case, no "
    "links, no leading RT or mentions; at least 6 words or 40 characters) appears in another post",
    "n_clients": "distinct client apps used",
    "unusual_client_share": "share of posts sent through an automation app or an app that fewer than "
    "0.5 % of accounts use",
    "minute_mode_share": "share of posts at its most frequent minute of the hour",
    "second_mode_share": "share of posts at its most frequent second of the minute",
    "zero_second_share": "share of posts at second 0 of the minute (what times kept to the minute look like)",
    "hour_entropy": "entropy of the hour-of-day histogram / log(24) (1 = evenly spread)",
    "burstiness": "(sd - mean) / (sd + mean) of gaps between posts: -1 clockwork, 0 random, 1 bursty",
    "median_gap_s": "median seconds between consecutive posts",
    "handle_changes": "extra handles or display names the account was seen with",
}

# Client apps that post on a schedule or from a feed (lower-case substrings of the client name).
_AUTOMATION = (
    "ifttt", "dlvr.it", "twittbot", "twitterfeed", "buffer", "hootsuite", "zapier", "botize", "tweetdeck api",
    "bot", "auto", "schedul", "rss", "feed", "cheap bots", "python", "tweepy", "api client",
)
# Official or very common apps (never 'unusual' however rare in a small data set).
_COMMON = (
    "twitter for android", "twitter for iphone", "twitter web app", "twitter web client", "twitter for ipad",
    "tweetdeck", "twitter lite", "twitter for mac", "twitter for windows", "mobile web", "facebook",
    "instagram", "tweetdeck web app", "x for android", "x for iphone", "x web app",
)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when a table or view ``name`` exists in the connection's current schema."""
    q = "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? UNION ALL " \
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ?"
    return sum(r[0] for r in con.execute(q, [name, name]).fetchall()) > 0


def creation_batches(days: np.ndarray, counts: np.ndarray, half_window: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Expected accounts per creation day and the -log10 Poisson p-value of each observed count.

    ``days`` are integer day numbers (sorted or not), ``counts`` the accounts created on each.
    The expectation for a day is the mean count over the ``half_window`` days on either side
    (the day itself excluded, so a batch does not raise its own baseline), floored at 1/(2·w+1)
    of one account so that a lone spike in an empty period still has a finite p-value.
    p = P(X >= count) for X ~ Poisson(expected).
    """
    days = np.asarray(days, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.float64)
    if days.size == 0:
        return np.zeros(0), np.zeros(0)
    lo = days.min()
    dense = np.zeros(int(days.max() - lo) + 1 + 2 * half_window)
    np.add.at(dense, days - lo + half_window, counts)
    csum = np.concatenate([[0.0], np.cumsum(dense)])
    idx = days - lo + half_window
    window_total = csum[idx + half_window + 1] - csum[idx - half_window]
    expected = (window_total - counts) / (2 * half_window)
    expected = np.maximum(expected, 1.0 / (2 * half_window + 1))
    sf = stats.poisson.sf(counts - 1, expected)  # P(X >= count)
    with np.errstate(divide="ignore"):
        logp = -np.log10(np.maximum(sf, 1e-300))
    return expected, logp


def _clients_sql() -> tuple[str, str]:
    auto = " OR ".join(f"contains(lc, '{a}')" for a in _AUTOMATION)
    common = ", ".join(f"'{c}'" for c in _COMMON)
    return auto, common


# SQL for the handle features of one column ``hnd`` (never NULL). The vectorised
# :func:`_ascii_handle_features` computes exactly the same values for ASCII handles; this SQL is
# the reference, and is used for the rest (non-ASCII, very long), where case folding is Unicode's.
_HANDLE_SQL = """
    SELECT * EXCLUDE (letters),
           length(regexp_extract(hnd, '[0-9]+$'))::DOUBLE AS handle_tail_digits,
           CASE WHEN length(hnd) > 0 THEN (length(hnd) - length(translate(hnd, '0123456789', ''))) / length(hnd) END
             AS handle_digit_share,
           CASE WHEN length(letters) > 0 THEN
           (length(letters) - length(translate(letters, 'aeiouy', ''))) / length(letters) END
             AS handle_vowel_share,
           (length(letters) >= 5 AND (
               (length(letters) - length(translate(letters, 'aeiouy', ''))) / length(letters) < 0.2
               OR regexp_matches(lower(hnd), '[bcdfghjklmnpqrstvwxz]{{5,}}')
               OR len(regexp_extract_all(hnd, '[a-zA-Z]+|[0-9]+')) >= 5
           ))::INT::DOUBLE AS handle_random,
           regexp_full_match(hnd, '[A-Za-z][A-Za-z_]*[0-9]{{6,}}')::INT::DOUBLE AS name_plus_digits
    FROM (SELECT *, translate(lower(hnd), '0123456789_', '') AS letters FROM {source})
"""
_HANDLE_COLUMNS = ("handle_tail_digits", "handle_digit_share", "handle_vowel_share", "handle_random",
                   "name_plus_digits")
# Handles up to this many bytes go through the byte-matrix path (platform handles are at most ~30).
_MAX_WIDTH = 64


def _ascii_handle_features(mat: np.ndarray, length: np.ndarray) -> dict[str, np.ndarray]:
    """The :data:`_HANDLE_COLUMNS` (plus ``handle_entropy``) of ASCII handles given as a zero-padded
    (n × width) byte matrix and their lengths. NaN stands for SQL NULL."""
    n, width = mat.shape
    low = mat | ((mat >= 65) & (mat <= 90)).astype(np.uint8) * 32  # ASCII lower case
    valid = np.arange(width)[None, :] < length[:, None]
    digit = (mat >= 48) & (mat <= 57)
    letter = (low >= 97) & (low <= 122)
    n_digit = digit.sum(axis=1)
    n_letters = length - n_digit - (mat == 95).sum(axis=1)  # what translate(lower(h), '0-9_', '') leaves
    vowel = np.isin(low, np.frombuffer(b"aeiouy", np.uint8))
    consonant = letter & ~vowel
    with np.errstate(invalid="ignore", divide="ignore"):
        digit_share = np.where(length > 0, n_digit / np.maximum(length, 1), np.nan)
        vowel_share = np.where(n_letters > 0, vowel.sum(axis=1) / np.maximum(n_letters, 1), np.nan)
    # length of the digit run that ends the handle: after the last non-digit
    last_non_digit = np.where(valid & ~digit, np.arange(1, width + 1)[None, :], 0).max(axis=1)
    tail = length - last_non_digit
    # longest consonant run; number of maximal letter runs plus digit runs
    run = np.zeros(n, np.int64)
    longest = np.zeros(n, np.int64)
    for j in range(width):
        run = np.where(consonant[:, j], run + 1, 0)
        np.maximum(longest, run, out=longest)
    prev_l = np.zeros((n, width), bool)
    prev_l[:, 1:] = letter[:, :-1]
    prev_d = np.zeros((n, width), bool)
    prev_d[:, 1:] = digit[:, :-1]
    runs = ((letter & ~prev_l) | (digit & ~prev_d)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        random_ = (n_letters >= 5) & ((vowel_share < 0.2) | (longest >= 5) | (runs >= 5))
    # letters, then letters or underscores, then 6+ digits to the end
    head = length - tail
    head_ok = (np.where(valid & (np.arange(width)[None, :] < head[:, None]), ~(letter | (mat == 95)), False).sum(axis=1)
               == 0)
    first_letter = letter[:, 0] if width else np.zeros(n, bool)
    name_digits = (tail >= 6) & (head >= 1) & head_ok & first_letter
    return {
        "handle_tail_digits": tail.astype(np.float64),
        "handle_digit_share": digit_share,
        "handle_vowel_share": vowel_share,
        "handle_random": random_.astype(np.float64),
        "name_plus_digits": name_digits.astype(np.float64),
    }


def account_features(con: duckdb.DuckDBPyConnection, settings: Settings,
                     aggregates: PostAggregates | None = None) -> pa.Table:
    """One row per account (every ``account_id`` in ``posts`` or ``accounts``) with :data:`FEATURES`.

    Also returns text columns ``handle``, ``display_name``, ``description``, ``location``,
    ``languages`` (top 3 post languages with shares), ``clients`` (top 3 client apps with shares),
    ``top_client``, ``batch_day`` and the hour-of-day histogram ``hours`` (24 counts, UTC) that
    :mod:`trendtrace.accounts.origin` reads. ``settings`` is accepted for future thresholds.
    """
    has_accounts = table_exists(con, "accounts")
    has_names = table_exists(con, "account_names")
    acc_src = "accounts" if has_accounts else (
        "(SELECT NULL::VARCHAR AS account_id, NULL::VARCHAR AS handle, NULL::VARCHAR AS display_name, "
        "NULL::VARCHAR AS description, NULL::VARCHAR AS location, NULL::VARCHAR AS url, "
        "NULL::TIMESTAMP AS created_at, NULL::BIGINT AS followers, NULL::BIGINT AS following, "
        "NULL::BIGINT AS post_count, NULL::BIGINT AS likes_given, NULL::BIGINT AS listed, "
        "NULL::BOOLEAN AS default_profile, NULL::BOOLEAN AS default_profile_image, "
        "NULL::TIMESTAMP AS seen_at WHERE false)"
    )
    auto, common = _clients_sql()
    if aggregates is None:
        aggregates = post_aggregates(Engine(con, str(settings["engine"])))
    # Accounts numbered densely in account_id order (aid 1..n): the accounts with posts (from the
    # per-account aggregates, computed where the posts are) and those with only a profile.
    con.register("_tt_base", aggregates.base)
    try:
        con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _tt_ids AS
          SELECT account_id, (row_number() OVER (ORDER BY account_id))::INT AS aid FROM (
            SELECT account_id FROM _tt_base
            UNION SELECT account_id FROM {acc_src} WHERE account_id IS NOT NULL)
        """)
        con.execute("""
        CREATE OR REPLACE TEMP TABLE _tt_np AS
        SELECT i.aid, b.posts, b.first_post, b.last_post,
               CASE WHEN b.kinds > 0 THEN b.reposts / b.kinds END AS repost_share,
               CASE WHEN b.kinds > 0 THEN b.replies / b.kinds END AS reply_share,
               b.links / b.posts AS link_share, b.mentions / b.posts AS mention_share,
               b.own_text_posts, b.dup_posts,
               b.gmean, b.gsd, b.gmed, b.minute_mode_n, b.second_mode_n, b.zero_second_n
        FROM _tt_base b JOIN _tt_ids i USING (account_id)
        """)
    finally:
        con.unregister("_tt_base")
    n_ids = int(con.execute("SELECT count(*) FROM _tt_ids").fetchall()[0][0])
    # The (n_ids × 24) UTC-hour histogram, row aid - 1 (numbered by the same join as _tt_sub below).
    hist = np.zeros((n_ids, 24))
    con.register("_tt_hours", aggregates.hours)
    try:
        h = con.sql("SELECT i.aid - 1 AS r, h.hour, h.posts FROM _tt_hours h JOIN _tt_ids i USING (account_id)"
                    ).fetchnumpy()
    finally:
        con.unregister("_tt_hours")
    hist[np.asarray(h["r"], np.int64), np.asarray(h["hour"], np.int64)] = np.asarray(h["posts"], np.float64)
    # (account, language) and (account, client) counts; the strings stay in SQL.
    con.register("_tt_langs", aggregates.langs)
    con.register("_tt_clients", aggregates.clients)
    try:
        con.execute("""
        CREATE OR REPLACE TEMP TABLE _tt_sub AS
        SELECT i.aid, l.lang, NULL::VARCHAR AS client, 1 AS g, l.posts AS n
        FROM _tt_langs l JOIN _tt_ids i USING (account_id)
        UNION ALL
        SELECT i.aid, NULL::VARCHAR AS lang, c.client, 2 AS g, c.posts AS n
        FROM _tt_clients c JOIN _tt_ids i USING (account_id)
        """)
    finally:
        con.unregister("_tt_langs")
        con.unregister("_tt_clients")
    # _tt_sub.g: 1 = a count by lang, 2 = a count by client
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _tt_client_pop AS
    WITH c AS (SELECT client, lower(client) AS lc, count(*) AS n FROM _tt_sub WHERE g = 2 AND client IS NOT NULL
               GROUP BY client),
         tot AS (SELECT count(DISTINCT aid) AS n FROM _tt_sub WHERE g = 2)
    SELECT client,
           (({auto}) OR (c.n < 0.005 * tot.n AND tot.n >= 200)) AND lc NOT IN ({common}) AS unusual
    FROM c, tot
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE _tt_post_feats AS
    WITH langs AS (
        SELECT aid, string_agg(lang || ' ' || CAST(round(100 * share) AS INT) || '%', ', ' ORDER BY share DESC, lang)
                 FILTER (WHERE rk <= 3) AS languages
        FROM (SELECT aid, lang, n / sum(n) OVER (PARTITION BY aid) AS share,
                     row_number() OVER (PARTITION BY aid ORDER BY n DESC, lang) AS rk
              FROM _tt_sub WHERE g = 1 AND lang IS NOT NULL AND lang <> '')
        GROUP BY aid
    ), clients AS (
        SELECT aid,
               string_agg(client || ' ' || CAST(round(100 * share) AS INT) || '%', ', ' ORDER BY share DESC, client)
                 FILTER (WHERE rk <= 3) AS clients,
               max(client) FILTER (WHERE rk = 1) AS top_client
        FROM (SELECT aid, client, n / sum(n) OVER (PARTITION BY aid) AS share,
                     row_number() OVER (PARTITION BY aid ORDER BY n DESC, client) AS rk
              FROM _tt_sub WHERE g = 2 AND client IS NOT NULL AND client <> '')
        GROUP BY aid
    ), cl AS (
        SELECT s.aid, count(s.client) AS n_clients,
               coalesce(sum(s.n) FILTER (WHERE cp.unusual), 0) AS unusual_posts
        FROM _tt_sub s LEFT JOIN _tt_client_pop cp ON cp.client = s.client
        WHERE s.g = 2 GROUP BY s.aid
    )
    SELECT b.aid, b.posts, b.first_post, b.last_post, b.repost_share, b.reply_share, b.link_share,
           b.mention_share, b.own_text_posts, b.dup_posts, cl.n_clients,
           cl.unusual_posts / b.posts AS unusual_client_share,
           b.gmean, b.gsd, b.gmed, b.minute_mode_n, b.second_mode_n, b.zero_second_n,
           langs.languages, clients.clients, clients.top_client
    FROM _tt_np b
    LEFT JOIN langs USING (aid) LEFT JOIN clients USING (aid) LEFT JOIN cl USING (aid)
    """)
    names_sql = (
        "SELECT account_id, greatest(count(DISTINCT handle), count(DISTINCT display_name)) - 1 AS changes "
        "FROM account_names GROUP BY account_id"
        if has_names else "SELECT NULL::VARCHAR AS account_id, 0 AS changes WHERE false"
    )
    # Entropy of the hour-of-day histograms (accounts × 24, row aid - 1).
    tot = hist.sum(axis=1, keepdims=True)
    has_posts = tot[:, 0] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tot > 0, hist / np.maximum(tot, 1), 0.0)
        ent = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0).sum(axis=1) / math.log(24)
    ent = np.where(tot[:, 0] > 0, ent, np.nan)
    con.register("_tt_hour_ent", pa.table({"aid": pa.array(np.arange(1, n_ids + 1, dtype=np.int32)),
                                           "hour_entropy": pa.array(ent, mask=np.isnan(ent))}))
    # Handle features once per distinct handle.
    con.register("_tt_handles", _handle_table(con, acc_src))
    # Creation-date batches against the data's own baseline (one count per output row, as below).
    days = con.sql(
        f"SELECT CAST(a.created_at AS DATE) AS d, count(*) AS n FROM _tt_ids i JOIN {acc_src} a USING (account_id) "
        "WHERE a.created_at IS NOT NULL GROUP BY d ORDER BY d"
    ).fetchnumpy()
    day_num = np.asarray(days["d"], dtype="datetime64[D]").astype(np.int64) if len(days["d"]) else np.zeros(0, np.int64)
    expected, logp = creation_batches(day_num, np.asarray(days["n"], dtype=np.float64))
    batch = pa.table({
        "created_day": pa.array(np.asarray(days["d"], dtype="datetime64[D]")),
        "created_same_day": pa.array(np.asarray(days["n"], dtype=np.float64)),
        "created_day_expected": pa.array(expected),
        "batch_log10_p": pa.array(logp),
        "batch_log10_q": pa.array(logp - math.log10(max(len(day_num), 1))),
    })
    con.register("_tt_batch", batch)
    try:
        out = con.sql(f"""
    WITH a AS (SELECT * FROM {acc_src}),
    nm AS ({names_sql}),
    j AS (
      SELECT i.account_id, i.aid AS _aid, a.handle, a.display_name, a.description, a.location, a.created_at,
             a.followers, a.following, a.post_count, a.likes_given, a.listed, a.default_profile,
             a.default_profile_image, a.url,
             coalesce(a.seen_at, pf.last_post) AS seen, pf.* EXCLUDE (aid), coalesce(nm.changes, 0) AS changes,
             coalesce(a.handle, '') AS hnd
      FROM _tt_ids i LEFT JOIN a USING (account_id) LEFT JOIN _tt_post_feats pf ON pf.aid = i.aid
      LEFT JOIN nm ON nm.account_id = i.account_id
    ), f AS (
    SELECT account_id, _aid, handle, display_name, description, location, created_at,
           CAST(created_at AS DATE) AS created_day,
           coalesce(posts, 0)::DOUBLE AS posts,
           date_diff('second', created_at, seen) / 86400.0 AS age_days,
           date_diff('second', created_at, first_post) / 86400.0 AS age_at_first_post_days,
           length(hnd)::DOUBLE AS handle_length,
           h.handle_tail_digits, h.handle_digit_share, h.handle_vowel_share, h.handle_random, h.name_plus_digits,
           (coalesce(trim(description), '') = '')::INT::DOUBLE AS no_description,
           (coalesce(trim(location), '') = '')::INT::DOUBLE AS no_location,
           (coalesce(trim(url), '') = '')::INT::DOUBLE AS no_url,
           (coalesce(trim(display_name), '') = '' OR lower(trim(display_name)) = lower(hnd))::INT::DOUBLE
           AS no_display_name,
           coalesce(default_profile, false)::INT::DOUBLE AS default_profile,
           coalesce(default_profile_image, false)::INT::DOUBLE AS default_profile_image,
           length(coalesce(description, ''))::DOUBLE AS description_length,
           followers::DOUBLE AS followers, following::DOUBLE AS following,
           followers / (following + 1.0) AS follower_ratio,
           post_count::DOUBLE AS post_count, likes_given::DOUBLE AS likes_given, listed::DOUBLE AS listed,
           followers / greatest(date_diff('second', created_at, seen) / 86400.0, 1.0) AS followers_per_day,
           following / greatest(date_diff('second', created_at, seen) / 86400.0, 1.0) AS following_per_day,
           likes_given / greatest(date_diff('second', created_at, seen) / 86400.0, 1.0) AS likes_per_day,
           listed / greatest(date_diff('second', created_at, seen) / 86400.0, 1.0) AS listed_per_day,
           post_count / greatest(date_diff('second', created_at, seen) / 86400.0, 1.0) AS lifetime_posts_per_day,
           posts / greatest(date_diff('second', first_post, last_post) / 86400.0, 1.0) AS posts_per_day,
           repost_share, reply_share, link_share, mention_share,
           CASE WHEN own_text_posts > 0 THEN dup_posts / own_text_posts END AS dup_text_share,
           n_clients::DOUBLE AS n_clients, unusual_client_share,
           minute_mode_n / posts AS minute_mode_share,
           second_mode_n / posts AS second_mode_share,
           zero_second_n / posts AS zero_second_share,
           gmean, gsd,
           CASE WHEN gsd + gmean > 0 THEN (gsd - gmean) / (gsd + gmean) END AS burstiness,
           gmed AS median_gap_s,
           changes::DOUBLE AS handle_changes,
           languages, clients, top_client, first_post, last_post, e.hour_entropy, h.handle_entropy
    FROM j LEFT JOIN _tt_handles h USING (hnd) LEFT JOIN _tt_hour_ent e ON e.aid = j._aid AND j.posts > 0
    )
    SELECT f.*, coalesce(b.created_same_day, 0) AS created_same_day,
           coalesce(b.created_day_expected, 0) AS created_day_expected,
           coalesce(b.batch_log10_p, 0) AS batch_log10_p,
           coalesce(b.batch_log10_q, 0) AS batch_log10_q
    FROM f LEFT JOIN _tt_batch b USING (created_day)
    ORDER BY account_id
    """).to_arrow_table()
    finally:
        for t in ("_tt_batch", "_tt_handles", "_tt_hour_ent"):
            con.unregister(t)
    # The 24-bin UTC hour histogram as a list column (null for an account without posts), where it was.
    rows = out.column("_aid").to_numpy() - 1
    flat = pa.array(hist[rows].astype(np.int64).ravel())
    offsets = pa.array(np.arange(0, 24 * len(rows) + 1, 24, dtype=np.int32))
    hours = pa.ListArray.from_arrays(offsets, flat, mask=pa.array(~has_posts[rows]))
    out = out.drop_columns(["_aid"])
    out = out.add_column(out.column_names.index("languages"), "hours", hours)
    for t in ("_tt_np", "_tt_sub", "_tt_client_pop", "_tt_post_feats", "_tt_ids"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return out


def handle_entropy(handles: list[str | None], width: int = 32) -> np.ndarray:
    """Shannon entropy (bits) of the characters of each handle, case-folded; NaN for a missing one.

    Vectorised: handles become rows of a byte matrix, each row is sorted, and the runs of equal
    bytes give the character counts (UTF-8 bytes stand for non-ASCII characters, which is exact
    for the ASCII handles platforms allow). Handles longer than ``width`` bytes are cut.
    """
    n = len(handles)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    raw = np.array([(h or "").lower().encode("utf-8")[:width] for h in handles], dtype=f"S{width}")
    mat = raw.view(np.uint8).reshape(n, width)
    ent, lengths = _entropy_rows(mat)
    valid = np.array([bool(h) for h in handles]) & (lengths > 0)
    out[valid] = ent[valid]
    return out


def _entropy_rows(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entropy (bits) of the non-zero bytes of each row of a zero-padded byte matrix, and their count."""
    n, width = mat.shape
    lengths = (mat != 0).sum(axis=1)
    srt = np.sort(mat, axis=1)
    start = np.ones_like(srt, dtype=bool)
    start[:, 1:] = srt[:, 1:] != srt[:, :-1]
    run_id = np.cumsum(start, axis=1) - 1
    flat = (np.arange(n)[:, None] * width + run_id).ravel()
    counts = np.bincount(flat, weights=(srt != 0).ravel().astype(np.float64), minlength=n * width).reshape(n, width)
    # H = log2(L) - sum(c log2 c) / L, with 0 log 0 = 0
    clogc = (counts * np.log2(np.maximum(counts, 1))).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = np.log2(np.maximum(lengths, 1)) - clogc / np.maximum(lengths, 1)
    return ent, lengths


def _byte_matrix(arr: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(n × width) zero-padded UTF-8 bytes of a string array without nulls (longer strings cut),
    and each string's full byte length; built from the Arrow buffers, no Python per row."""
    arr = arr.cast(pa.large_string())
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if arr.buffers()[2] is not None else np.zeros(0, np.uint8)
    full = np.diff(offsets)
    cut = np.minimum(full, width)
    mat = np.zeros((n, width), np.uint8)
    rows = np.repeat(np.arange(n), cut)
    cols = np.arange(int(cut.sum())) - np.repeat(np.cumsum(cut) - cut, cut)
    mat[rows, cols] = data[np.repeat(offsets[:-1], cut) + cols]
    return mat, full


def _handle_table(con: duckdb.DuckDBPyConnection, acc_src: str) -> pa.Table:
    """Handle features (:data:`_HANDLE_COLUMNS` and ``handle_entropy``) for every distinct
    ``coalesce(handle, '')`` of ``acc_src``, keyed ``hnd``."""
    hnd = con.sql(f"SELECT DISTINCT coalesce(handle, '') AS hnd FROM {acc_src}").to_arrow_table().column("hnd")
    hnd = hnd.combine_chunks() if hnd.num_chunks else pa.array([], pa.string())
    mat, full = _byte_matrix(hnd, _MAX_WIDTH)
    fast = (full <= _MAX_WIDTH) & ~(mat >= 128).any(axis=1)  # ASCII and not too long
    # Only as many columns as the longest fast handle: the rest is zero padding, which no feature
    # counts, and the per-column work shrinks with it.
    width = max(1, int(full[fast].max())) if fast.any() else 1
    mat = mat[:, :width]
    cols = {k: np.full(len(hnd), np.nan) for k in _HANDLE_COLUMNS}
    for k, v in _ascii_handle_features(mat[fast], full[fast]).items():
        cols[k][fast] = v
    # Entropy as handle_entropy() computes it: Python case folding, first 32 bytes.
    ent = np.full(len(hnd), np.nan)
    sub = mat[fast, :32]
    e, lengths = _entropy_rows(sub | ((sub >= 65) & (sub <= 90)).astype(np.uint8) * 32)  # ASCII lower case
    ent[np.flatnonzero(fast)] = np.where(lengths > 0, e, np.nan)
    slow = np.flatnonzero(~fast)
    if len(slow):
        ent[slow] = handle_entropy(hnd.take(pa.array(slow)).to_pylist())
        con.register("_tt_slow_handles", pa.table({"i": pa.array(slow), "hnd": hnd.take(pa.array(slow))}))
        try:
            ref = con.sql(_HANDLE_SQL.format(source="_tt_slow_handles")).to_arrow_table()
        finally:
            con.unregister("_tt_slow_handles")
        at = ref.column("i").to_numpy()
        for k in _HANDLE_COLUMNS:
            cols[k][at] = ref.column(k).to_numpy(zero_copy_only=False).astype(np.float64)
    out = {"hnd": hnd}
    for k in _HANDLE_COLUMNS:
        out[k] = pa.array(cols[k], mask=np.isnan(cols[k]))
    out["handle_entropy"] = pa.array(ent, mask=np.isnan(ent))
    return pa.table(out)


def _hours_matrix(feats: pa.Table) -> np.ndarray:
    """The ``hours`` list column as an (accounts × 24) float array (zeros for accounts without posts)."""
    col = feats.column("hours").combine_chunks()
    n = len(col)
    out = np.zeros((n, 24))
    if n == 0:
        return out
    valid = ~np.asarray(col.is_null().to_numpy(zero_copy_only=False))
    flat = col.flatten().to_numpy(zero_copy_only=False).astype(np.float64)
    out[valid] = flat.reshape(-1, 24)
    return out

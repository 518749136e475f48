"""What the data carries: per store, which source fields are there to be used as evidence.

A field the source does not carry says nothing about an account. An X information-operations
archive has no profile links, a profile dump has no posts, a collection kept to the minute has no
seconds; if such a field were read as "empty" or "zero", every account of that store would look
like it had an empty profile or posted at the same second. So before any evidence is weighed,
:func:`field_availability` decides per store whether each source field of :data:`FIELDS` is
*available*: present (non-empty) for at least 1 % of the accounts (of the posts, for post fields)
and not one same value for 99 % or more of them. Features (:data:`FEATURE_FIELDS`) and rules
(``score.EVIDENCE``) that need an unavailable field contribute nothing, and the report lists the
fields with a sentence such as "this data has no bios, so the score does not use profile emptiness
(no bio) and bio length".
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .features import table_exists

__all__ = ["FIELDS", "FEATURE_FIELDS", "Field", "field_availability", "MIN_PRESENT", "MAX_MODAL"]

#: A field present for fewer than this share of accounts (or posts) is unavailable.
MIN_PRESENT = 0.01
#: Fields are judged on a seeded sample (every k-th row) of at most about this many rows of each table.
SAMPLE_ROWS = 200_000
#: A field whose most common value (empty counted as a value) covers this share or more is unavailable.
MAX_MODAL = 0.99


@dataclass(frozen=True)
class Field:
    """A source field: where it lives, how it reads in a sentence, and what goes unused without it."""

    table: str  # "accounts" or "posts"
    value: str  # SQL for the field's value on one row (NULL when empty)
    plural: str  # "bios"
    uses: str  # what the score does not use without it: "profile emptiness (no bio)"


def _text(col: str) -> str:
    return f"nullif(trim({col}), '')"


#: Source fields, in the order the report lists them.
FIELDS: dict[str, Field] = {
    "handle": Field("accounts", _text("handle"), "handles", "handle patterns"),
    "display_name": Field("accounts", _text("display_name"), "display names", "profile emptiness (no name of its own)"),
    "description": Field("accounts", _text("description"), "bios", "profile emptiness (no bio) and bio length"),
    "location": Field("accounts", _text("location"), "claimed locations",
                      "profile emptiness (no location) and claimed-place mismatch"),
    "url": Field("accounts", _text("url"), "profile links", "profile emptiness (no link)"),
    "created_at": Field("accounts", "created_at", "account creation dates",
                        "creation batches, account age and lifetime posting rate"),
    "followers": Field("accounts", "followers", "follower counts", "follower counts and the follower ratio"),
    "following": Field("accounts", "following", "following counts", "following counts and the follower ratio"),
    "post_count": Field("accounts", "post_count", "lifetime post counts", "lifetime post counts and rates"),
    "likes_given": Field("accounts", "likes_given", "counts of likes given", "likes given"),
    "listed": Field("accounts", "listed", "list counts", "list memberships"),
    "default_profile": Field("accounts", "default_profile", "profile-theme flags", "the default theme"),
    "default_profile_image": Field("accounts", "default_profile_image", "default-picture flags",
                                   "the default picture"),
    "kind": Field("posts", "kind", "post kinds (reposts and replies told apart)", "repost and reply shares"),
    "text": Field("posts", _text("text"), "post texts", "duplicate text"),
    "client": Field("posts", _text("client"), "client apps", "client apps"),
    "urls": Field("posts", "CASE WHEN len(urls) > 0 THEN 1 END", "links in posts", "the share of posts with a link"),
    "mentions": Field("posts", "CASE WHEN len(mentions) > 0 THEN 1 END", "mentions in posts",
                      "the share of posts with a mention"),
    "seconds": Field("posts", "CASE WHEN second(time) <> 0 THEN 1 END", "post times to the second",
                     "posting at the same second"),
    "time": Field("posts", "epoch(time)", "posts with times", "posting rhythm and volume"),
}

#: The source fields each feature needs (a feature of posts alone needs "time").
FEATURE_FIELDS: dict[str, tuple[str, ...]] = {
    "posts": ("time",),
    "age_days": ("created_at",),
    "age_at_first_post_days": ("created_at", "time"),
    "created_same_day": ("created_at",),
    "created_day_expected": ("created_at",),
    "batch_log10_p": ("created_at",),
    "batch_log10_q": ("created_at",),
    "handle_length": ("handle",),
    "handle_tail_digits": ("handle",),
    "handle_digit_share": ("handle",),
    "handle_entropy": ("handle",),
    "handle_vowel_share": ("handle",),
    "handle_random": ("handle",),
    "name_plus_digits": ("handle",),
    "no_description": ("description",),
    "no_location": ("location",),
    "no_url": ("url",),
    "no_display_name": ("display_name",),
    "default_profile": ("default_profile",),
    "default_profile_image": ("default_profile_image",),
    "description_length": ("description",),
    "followers": ("followers",),
    "following": ("following",),
    "follower_ratio": ("followers", "following"),
    "post_count": ("post_count",),
    "likes_given": ("likes_given",),
    "listed": ("listed",),
    "followers_per_day": ("followers", "created_at"),
    "following_per_day": ("following", "created_at"),
    "likes_per_day": ("likes_given", "created_at"),
    "listed_per_day": ("listed", "created_at"),
    "lifetime_posts_per_day": ("post_count", "created_at"),
    "posts_per_day": ("time",),
    "repost_share": ("kind",),
    "reply_share": ("kind",),
    "link_share": ("urls",),
    "mention_share": ("mentions",),
    "dup_text_share": ("text",),
    "n_clients": ("client",),
    "unusual_client_share": ("client",),
    "minute_mode_share": ("time",),
    "second_mode_share": ("seconds",),
    "zero_second_share": ("seconds",),
    "hour_entropy": ("time",),
    "burstiness": ("time",),
    "median_gap_s": ("time",),
    "handle_changes": ("handle",),
    "quiet_share": ("time",),
    "origin_mismatch": ("location", "time"),
}


def field_availability(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float | bool | str]]:
    """Per field of :data:`FIELDS`: ``available``, ``present`` (share of rows with a value),
    ``modal`` (share of rows holding the most common value, empty counted as one value), ``rows``
    and ``note`` (why it is unavailable, or ``''``).

    Account fields are judged over every account seen (in ``posts`` or ``accounts``; an account
    with no ``accounts`` row counts as empty), post fields over ``posts``.
    """
    has_acc = table_exists(con, "accounts")
    has_posts = table_exists(con, "posts")
    out: dict[str, dict[str, float | bool | str]] = {}
    n_acc = 0
    if has_acc or has_posts:
        parts = (["SELECT account_id FROM accounts"] if has_acc else []) + (
            ["SELECT account_id FROM posts"] if has_posts else [])
        n_acc = int(con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT account_id FROM ({' UNION ALL '.join(parts)}) "
            "WHERE account_id IS NOT NULL)").fetchall()[0][0])
    n_posts = int(con.execute("SELECT count(*) FROM posts").fetchall()[0][0]) if has_posts else 0
    for table, n, exists in (("accounts", n_acc, has_acc), ("posts", n_posts, has_posts)):
        names = [k for k, f in FIELDS.items() if f.table == table]
        share: dict[str, tuple[float, float]] = {k: (0.0, 0.0) for k in names}  # present, modal non-empty
        if exists and n:
            total = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            # The field values of a seeded sample of at most SAMPLE_ROWS rows; per field its present
            # count and the count of its most common value. Accounts seen only in posts have no
            # accounts row and count as empty (the factor total / n).
            # every step-th post (by storage position: deterministic, and a scan of one column)
            step = -(-total // SAMPLE_ROWS)
            cols = ", ".join(f"{FIELDS[k].value} AS f{i}" for i, k in enumerate(names))
            source, where = table, f"WHERE rowid % {step} = 0" if step > 1 else ""
            is_view = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [table]).fetchall()[0][0]
            if table == "accounts" and step > 1:
                # the accounts' storage order depends on how ingest merged them: sample by id instead
                where = f"WHERE hash(account_id) % {step} = 0"
            elif is_view and step > 1:
                # posts read in place from Parquet (dataset.py): no rowid, but the scan keeps the
                # files' order, which is the order a store would have ingested them in
                source = f"(SELECT *, row_number() OVER () - 1 AS rowid FROM {table})"
            con.execute(f"CREATE OR REPLACE TEMP TABLE _tt_avail AS SELECT {cols} FROM {source} {where}")
            try:
                rows = max(int(con.execute("SELECT count(*) FROM _tt_avail").fetchall()[0][0]), 1)
                scale = min(total, n) / n / rows
                for i, k in enumerate(names):
                    p, modal = con.execute(
                        f"SELECT (SELECT count(f{i}) FROM _tt_avail), (SELECT coalesce(max(c), 0) FROM "
                        f"(SELECT count(*) AS c FROM _tt_avail WHERE f{i} IS NOT NULL GROUP BY f{i}))").fetchall()[0]
                    share[k] = (int(p) * scale, int(modal) * scale)
            finally:
                con.execute("DROP TABLE IF EXISTS _tt_avail")
        for k in names:
            present, modal = share[k]
            modal_share = max(modal, 1.0 - present)  # "empty" is a value too
            if not exists or n == 0:
                note = f"this data has no {table}"
            elif present < MIN_PRESENT:
                note = f"this data has no {FIELDS[k].plural}"
            elif modal_share >= MAX_MODAL:
                note = f"{FIELDS[k].plural} are the same for {modal_share:.0%} of {table}"
            else:
                note = ""
            out[k] = {"available": not note, "present": round(present, 4), "modal": round(modal_share, 4),
                      "rows": n, "note": (note + f", so the score does not use {FIELDS[k].uses}") if note else ""}
    return out


def unavailable_features(avail: dict[str, dict[str, float | bool | str]]) -> set[str]:
    """Features of :data:`FEATURE_FIELDS` that need a field ``avail`` marks unavailable."""
    return {f for f, need in FEATURE_FIELDS.items() if not all(avail.get(n, {}).get("available") for n in need)}

"""The one table of settings: name, default, help.

The CLI, the library and ``docs/settings.md`` all read defaults from :data:`SETTINGS`; a test checks
that every setting is documented. Stages receive a :class:`Settings` object and read values with
``settings["window"]``. Add a setting here (in the section of its stage), never a default elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Iterator, Mapping

__all__ = ["Setting", "SETTINGS", "Settings", "SettingError", "SECRET_SETTINGS", "public_settings"]


class SettingError(ValueError):
    """A setting name or value is not valid; the message says which values are."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    section: str
    #: Extra validation beyond the type of the default; returns an error text or None.
    check: Callable[[Any], str | None] | None = None
    choices: tuple[str, ...] | None = None


def _positive(v: Any) -> str | None:
    return None if v > 0 else "must be greater than 0"


def _non_negative(v: Any) -> str | None:
    return None if v >= 0 else "must be 0 or more"


#: A given pseudonym salt must be at least this long and hold this many different characters: with
#: a short or guessable salt, pseudonyms are reversed by hashing a list of likely handles.
MIN_SALT_CHARS = 32
MIN_SALT_DISTINCT = 10
#: Settings whose values are secrets: never written to the store, a report or a log.
SECRET_SETTINGS = frozenset({"pseudonym_salt"})


def _salt(v: Any) -> str | None:
    if v == "" or (len(v) >= MIN_SALT_CHARS and len(set(v)) >= MIN_SALT_DISTINCT):
        return None
    return (f"is too short or too regular to keep pseudonyms from being reversed by guessing handles: give at "
            f"least {MIN_SALT_CHARS} characters, {MIN_SALT_DISTINCT} of them different, e.g. from "
            f"python -c \"import secrets; print(secrets.token_hex(16))\", or leave it empty for a random salt per run")


def public_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every secret setting (:data:`SECRET_SETTINGS`) replaced by a note that it was
    given: what the store's ``runs`` table, report.json and report.html may show."""
    return {k: ("(given; not shown)" if k in SECRET_SETTINGS and v else v) for k, v in values.items()}


def _zone_or_empty(v: Any) -> str | None:
    if v == "":
        return None
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(str(v))
    except (ValueError, OSError, LookupError):
        return "must be an IANA time zone name such as Asia/Karachi (or empty)"
    return None


def _seed(v: Any) -> str | None:
    return None if 0 <= v < 2**32 else "must be a whole number from 0 to 4294967295"


def _unit(v: Any) -> str | None:
    return None if 0 <= v <= 1 else "must be between 0 and 1"


_UNITS = {"b": 1, "kb": 1000, "mb": 1000 ** 2, "gb": 1000 ** 3, "tb": 1000 ** 4,
          "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3, "tib": 1024 ** 4}
#: The least memory DuckDB is given for ingesting: below it, it cannot hold its own buffers and
#: fails with an out-of-memory error after the store file is open (``--ingest-memory 1KB``).
MIN_INGEST_MEMORY = 64 * 1000 ** 2


def memory_bytes(value: str) -> int | None:
    """Bytes of a size such as ``1GB``, ``512 MiB`` or ``2.5GB``; None when it is not one."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B)\s*", str(value), re.IGNORECASE)
    if not m or m.group(2).lower() not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def _analysis_memory(v: Any) -> str | None:
    if v == "":
        return None
    n = memory_bytes(v)
    if n is None:
        return "is not a valid memory limit: write a size such as 8GB or 512MB, or '' for DuckDB's default"
    return None if n >= MIN_INGEST_MEMORY else "is too small; give at least 64MB"


def _memory_size(v: Any) -> str | None:
    n = memory_bytes(v)
    if n is None:
        return "is not a valid memory limit (ingest_memory): write a size such as 1GB or 512MB"
    if n < MIN_INGEST_MEMORY:
        return "is too small; give at least 64MB (256MB keeps ingest under 1 GB of memory, docs/benchmarks.md)"
    return None


_S = Setting
SETTINGS: tuple[Setting, ...] = (
    # ---------------------------------------------------------------- store and ingestion
    _S("db", "trendtrace.duckdb", "DuckDB store file.", "store"),
    _S("out", "trendtrace-out", "Directory for analysis outputs.", "store"),
    _S("on_error", "skip", "What to do with a bad input record: 'skip' it (counted, written to the "
       "rejects file next to the store) or 'fail' at the first one.", "store", choices=("skip", "fail")),
    _S("ingest_memory", "1GB", "DuckDB memory limit while ingesting; staged rows beyond it spill to "
       "disk next to the store. Peak memory is about this plus the reader's 0.4-0.6 GB: with 256MB it "
       "stayed under 1 GB from 1M to 4M posts, at 13% more time (docs/benchmarks.md). At least 64MB.",
       "store", _memory_size),
    _S("chunk_rows", 50_000, "Records parsed per batch before handing them to the store (memory "
       "stays flat in the input size).", "store", _positive),
    # ---------------------------------------------------------------- simulation
    _S("sim_scenario", "realistic", "Simulator scenario: 'realistic' (four weeks: organic organisations, "
       "live-tweeting communities and heavy retweeters beside bursting and drip campaigns; half the "
       "accounts at minute resolution), 'default' (the first, easier week: bursting networks and organic "
       "surges only), 'small', 'organic' (no campaign). See docs/simulator.md.", "simulate"),
    _S("sim_seed", 7, "Seed of the simulator; the same seed gives the same data.", "simulate", _seed),
    _S("sim_posts", 60_000, "Approximate number of posts the simulator writes.", "simulate", _positive),
    _S("sim_home_tz", "Asia/Karachi", "The simulated trend's home time zone (IANA name): where the "
       "simulator's organic participants live.", "simulate"),
    # ---------------------------------------------------------------- origin
    _S("home_tz", "auto", "The trend's home time zone, where organic participants are expected to live: "
       "an IANA name (e.g. Asia/Karachi), or 'auto' to infer it from the data (the weighted mode of the "
       "participants' inferred UTC offsets; no rhythm is compared with a home zone when the data cannot "
       "tell).", "trends"),
    # ---------------------------------------------------------------- coordination
    _S("analysis_memory", "", "DuckDB memory limit for analyze and the report (e.g. 8GB); beyond it "
       "DuckDB spills to disk. Empty: DuckDB's default, 80% of the machine's memory. Lower it when "
       "other programs share the machine, e.g. a Spark driver and workers (docs/scale.md).",
       "store", _analysis_memory),
    _S("engine", "duckdb", "Where relational stages run: 'duckdb' (embedded) or 'spark' (needs "
       "trendtrace[spark]).", "coordination", choices=("duckdb", "spark")),
    _S("window", 60, "Co-action window in seconds: two accounts acting on the same object at most "
       "this far apart co-act (applies to every trace without its own window).", "coordination", _positive),
    _S("traces", "retweet,slow_retweet,quote,reply,tweet,similar,link,hashtag,hashtag_sequence,mention,media",
       "Comma-separated traces to compute.", "coordination"),
    _S("window_hashtag", 60, "Window in seconds for co-hashtag.", "coordination", _positive),
    _S("window_slow", 3600, "Window in seconds for slow_retweet: the same obscure post reposted by two "
       "accounts this far apart.", "coordination", _positive),
    _S("obscure_accounts", 10, "slow_retweet: a post reposted by at most this many distinct accounts in "
       "the data is obscure (crowds rarely share it).", "coordination", _positive),
    _S("min_co_actions", 3, "Least number of co-actions for an account pair to be kept as an edge.",
       "coordination", _positive),
    _S("fdr", 0.01, "False discovery rate for Benjamini–Hochberg over all tested account pairs.",
       "coordination", _unit),
    _S("max_object_accounts", 500, "Cap on accounts per object and time bucket when forming pairs: a "
       "viral object beyond it contributes the pairs of a deterministic sample only.",
       "coordination", _positive),
    _S("similarity", 0.8, "Jaccard threshold for near-duplicate text (co-similar).", "coordination", _unit),
    _S("semantic_candidate", 0.6, "Trace 'semantic': fast-model cosine at which two distinct texts are candidate "
       "paraphrases (nearest neighbours only).", "coordination", _unit),
    _S("semantic_similarity", 0.75, "Trace 'semantic': MiniLM cosine at which a candidate pair counts as a "
       "paraphrase (docs/coordination.md).", "coordination", _unit),
    _S("min_cluster_size", 3, "Smallest group of accounts in the fused graph that is reported as a "
       "cluster (membership alone flags nobody: see min_account_evidence).", "coordination", _positive),
    _S("crowd_traces", "hashtag,mention,domain", "Traces that crowds share by nature (live-tweeting a "
       "broadcast, naming the same celebrity): their co-acted objects count crowd_trace_weight each "
       "towards an account's own evidence, where other traces count 1.", "coordination"),
    _S("crowd_trace_weight", 0.25, "Weight of one co-acted object of a crowd trace in an account's own "
       "evidence (0 = crowd traces never flag an account; they still make edges and clusters).",
       "coordination", _non_negative),
    _S("min_account_evidence", 6.0, "An account is coordinated when its own evidence reaches this: the "
       "distinct objects it co-acted on in its significant pairs (kept edges), weighted by trace "
       "(crowd_trace_weight). Chosen on the calibration half of bench/validity.py; see "
       "docs/coordination.md.", "coordination", _positive),
    _S("leiden_resolution", 1.0, "Resolution of Leiden (modularity); higher gives smaller clusters.",
       "coordination", _positive),
    _S("seed", 42, "Seed for every random choice in analysis (null model, Leiden, the MinHash of near-duplicate and "
       "templated texts).", "coordination", _seed),
    _S("evidence_per_edge", 5, "Example post pairs kept per edge and trace.", "coordination", _positive),
    _S("null_model", "popularity", "Null model for co-actions: 'popularity' (accounts choose objects "
       "independently in proportion to their popularity and act at times drawn from each object's "
       "time profile; tests the number of distinct co-acted objects) or 'permutation' (objects as "
       "chosen, times dealt at random within each object; tests the number of co-action pairs). "
       "'shift' (each pair's timelines moved against each other by whole days, keeping each account's "
       "objects, rhythm and bursts; DuckDB engine only). "
       "See docs/coordination.md.", "coordination", choices=("popularity", "permutation", "shift")),
    _S("shift_days", 7, "Shift null: one timeline is moved by 1 to this many whole days, both ways, "
       "against the other.", "coordination", _positive),
    _S("null_prior", 10.0, "Null model: pseudo-actions that shrink each object's time profile towards "
       "the trace's overall activity (0 = exact permutation null, where an object used by one tight "
       "group only gives no evidence; see docs/coordination.md).", "coordination", _non_negative),
    # ---------------------------------------------------------------- accounts
    _S("min_posts_origin", 20, "Least posts an account needs for its UTC offset to be inferred.",
       "accounts", _positive),
    _S("origin_confidence", 0.6, "Confidence of an inferred UTC offset at or above which it is "
       "compared with the claimed location and the home zone (below it the rhythm is called unclear).",
       "accounts", _unit),
    _S("origin_mismatch_hours", 1.5, "Hours between the inferred UTC offset and a claimed or home "
       "zone beyond which they are called a mismatch (the inference is good to about 1 hour; half-hour "
       "zones such as UTC+5:30 must not count).", "accounts", _positive),
    _S("model", "", "Trained inauthenticity model file (from 'trendtrace train'); empty = unsupervised.",
       "accounts"),
    _S("inauthentic_threshold", 0.5, "inauthenticity_score at or above which an account counts as "
       "suspect in trend statistics and cost.", "accounts", _unit),
    # ---------------------------------------------------------------- trends
    _S("min_trend_accounts", 2, "Least distinct accounts for a hashtag to be a trend.", "trends", _positive),
    _S("new_account_days", 30, "An account created this many days or fewer before the trend counts "
       "as new.", "trends", _positive),
    _S("campaigns", "", "TOML or YAML file naming campaigns by hashtags and keywords (docs/trends.md); "
       "empty = none. On the command line: analyze --campaigns FILE.", "trends"),
    _S("price_low", 0.02, "Low estimate of the price paid per inauthentic post, US dollars.", "trends",
       _non_negative),
    _S("price_high", 0.36, "High estimate of the price paid per inauthentic post, US dollars.", "trends",
       _non_negative),
    _S("min_campaigns", 3, "Accounts active in at least this many unrelated campaigns are listed.",
       "trends", _positive),
    _S("template_similarity", 0.6, "Word-set Jaccard at or above which a post counts as a near-copy "
       "of another account's post (templated share of a trend; texts of 5+ words).", "trends", _unit),
    # ---------------------------------------------------------------- chats
    _S("chat_tz", "", "Time zone of the clock in --chats exports (an IANA name: the exporting phone's "
       "zone); empty = --home-tz, and with --home-tz auto the zone inferred from the posts. Telegram "
       "JSON exports carry exact times and ignore it.", "chats", _zone_or_empty),
    _S("chat_date_order", "auto", "Day/month order of dates in WhatsApp exports: auto (from the file; "
       "day first when every date is ambiguous, with a warning), dmy, mdy or ymd.", "chats",
       choices=("auto", "dmy", "mdy", "ymd")),
    _S("show_phones", False, "Keep phone numbers of chat members as exported; by default every output "
       "masks them to the country code and the last two digits (+92•••67).", "chats"),
    _S("chat_window", 21600, "Seconds after an order (after its instructed time, when it names one) in "
       "which posts can carry it out.", "chats", _positive),
    _S("chat_baseline", 86400, "Seconds before an order whose use of the same hashtags is the "
       "background that timing evidence is compared with.", "chats", _positive),
    _S("chat_timing_ratio", 20.0, "A ten-minute spell after an order is a burst when the order's hashtags "
       "are used at least this many times faster than in the baseline; posts in a burst carry timing "
       "evidence (so at most about 1 in this many of them is expected from bystanders).", "chats",
       _positive),
    _S("chat_timing_span", 7200, "Timing evidence only within this many seconds after an order (after its "
       "instructed time): later spells can be organic pick-up of a trend the order started.", "chats",
       _positive),
    _S("chat_min_orders", 3, "An account that used the hashtags of at least this many different orders "
       "within their windows counts as a repeated executor of each of them.", "chats", _positive),
    _S("chat_copy_similarity", 0.7, "Share of an instructed text's words a post must contain (and of the "
       "post's own words that must come from it, at least 0.5) to be a near-copy of it.", "chats", _unit),
    # ---------------------------------------------------------------- report
    _S("pseudonymize", False, "Replace account ids and handles by salted hashes in every output.",
       "report"),
    _S("pseudonym_salt", "", "Secret salt for --pseudonymize hashes; empty = a new random salt each run "
       "(pseudonyms then cannot be linked across runs). Give one to keep pseudonyms stable across runs: "
       f"at least {MIN_SALT_CHARS} characters, {MIN_SALT_DISTINCT} of them different (e.g. "
       "`python -c \"import secrets; print(secrets.token_hex(16))\"`), since anyone who knows the salt can "
       "reverse pseudonyms by hashing guessed handles. Never written to any output or to the store.",
       "report", _salt),
    _S("report_accounts", 200, "Most accounts listed in the account table of report.html/json "
       "(highest coordination and inauthenticity first); the CSVs always hold every account.",
       "report", _positive),
    _S("report_edges", 1500, "Most edges drawn in the report's network (strongest first); "
       "network.gexf and edges.csv always hold every edge.", "report", _positive),
    _S("network_evidence", 5, "Example post pairs per edge written into network.gexf and network.graphml "
       "(earliest first; 0 = none). The store's edge_evidence table keeps every example "
       "(evidence_per_edge per trace).", "report", _non_negative),
    _S("report_trends", 12, "Trends whose minute timelines are drawn in the report (highest score "
       "first); the verdict table lists every trend.", "report", _positive),
    _S("report_lead_trends", 100, "Manufactured and mixed trends written out in full (evidence included) at "
       "the top of report.html, highest score first; every trend is also in the paginated, searchable "
       "table below it, in report.json and in trends.csv.", "report", _non_negative),
    _S("report_overlap_campaigns", 20, "Most campaigns in the report's overlap matrix (those sharing most "
       "coordinated accounts with others); overlap.csv keeps every pair that shares an account.", "report",
       _positive),
    _S("report_overlap_min_shared", 2, "Least coordinated accounts two campaigns must share to be a cell of "
       "the report's overlap matrix (one shared account is often chance at scale).", "report", _positive),
    _S("report_organic_trends", 10, "Largest organic trends (by posts) written out after the manufactured "
       "and mixed ones at the top of report.html.", "report", _non_negative),
    # ---------------------------------------------------------------- comments
    _S("ring_min_comments", 3, "Least comments in a ring (trendtrace comments; docs/comments.md).", "comments",
       _positive),
    _S("ring_min_authors", 3, "Least distinct authors in a ring.", "comments", _positive),
    _S("ring_min_words", 4, "Least content words (not function words such as 'the', 'hai') for a comment to be "
       "compared; shorter ones ('So true', 'what a joke') match by chance.", "comments", _positive),
    _S("ring_candidate", 0.7, "Fast-model cosine a pair of comments needs at least to be a candidate, whatever "
       "its thread's background.", "comments", _unit),
    _S("ring_background_z", 1.5, "A candidate pair is also at least this many robust spreads (1.4826 MAD) above "
       "the median similarity of its thread's pairs.", "comments", _non_negative),
    _S("ring_similarity", 0.6, "MiniLM cosine at which a candidate pair is kept (re-scoring; near-copies are "
       "kept without it).", "comments", _unit),
    _S("ring_min_agree", 2, "Agreement-only replies under a ring's comments join the ring when at least this "
       "many distinct authors wrote them.", "comments", _positive),
    _S("ring_threshold", 0.5, "ring_score at or above which a group of similar comments is reported as a ring.",
       "comments", _unit),
    _S("ring_background_pairs", 45, "Least pairs of a thread (by different authors) for a background of its "
       "own; smaller threads use the background of all threads together.", "comments", _positive),
    _S("ring_exact_thread", 2000, "Threads with up to this many distinct texts compare every pair; larger "
       "ones each text's ring_neighbours nearest neighbours (faiss).", "comments", _positive),
    _S("ring_neighbours", 20, "Nearest neighbours looked at per text in threads above ring_exact_thread.",
       "comments", _positive),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class Settings(Mapping[str, Any]):
    """Validated settings: the defaults of :data:`SETTINGS` with overrides applied.

    >>> Settings(window=30)["window"]
    30
    """

    def __init__(self, **overrides: Any) -> None:
        values = {s.name: s.default for s in SETTINGS}
        for name, value in overrides.items():
            if value is None:
                continue
            values[name] = validate(name, value)
        self._values = values

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            raise SettingError(f"unknown setting {name!r}")
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **overrides: Any) -> Settings:
        merged = {**self._values, **{k: v for k, v in overrides.items() if v is not None}}
        return Settings(**merged)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def validate(name: str, value: Any) -> Any:
    """Coerce ``value`` to the type of the setting's default and check it; raise SettingError."""
    setting = _BY_NAME.get(name)
    if setting is None:
        close = [n for n in _BY_NAME if n.startswith(name[:3])]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise SettingError(f"unknown setting {name!r}{hint}")
    kind = type(setting.default)
    try:
        if kind is bool and isinstance(value, str):
            low = value.strip().lower()
            if low not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError(value)
            value = low in {"true", "1", "yes"}
        elif kind is not bool:
            value = kind(value)
    except (TypeError, ValueError):
        what = {int: "whole number", float: "number", bool: "true/false value", str: "text"}[kind]
        raise SettingError(f"setting {name}: {value!r} is not a {what}") from None
    if setting.choices and value not in setting.choices:
        raise SettingError(f"setting {name}: {value!r} is not one of {', '.join(setting.choices)}")
    if setting.check:
        problem = setting.check(value)
        if problem:
            shown = "the value given" if name in SECRET_SETTINGS else repr(value)
            raise SettingError(f"setting {name}: {shown} {problem}")
    return value


def settings_markdown() -> str:
    """``docs/settings.md``: every setting with its default and help, by section (tested to match)."""
    lines = [
        "# Settings",
        "",
        "Every setting, its default and what it does. This file is generated from",
        "`src/trendtrace/settings.py` (`python -m trendtrace.settings > docs/settings.md`); a test checks",
        "that it matches. On the command line, the common ones have their own option (`--window 30`);",
        "every one can be given to `analyze` as `--set NAME=VALUE`.",
    ]
    section = None
    for s in SETTINGS:
        if s.section != section:
            section = s.section
            lines += ["", f"## {section}", "", "| name | default | meaning |", "|---|---|---|"]
        default = "(empty)" if s.default == "" else f"`{s.default}`"
        extra = f" One of: {', '.join(s.choices)}." if s.choices else ""
        lines.append(f"| `{s.name}` | {default} | {s.help}{extra} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(settings_markdown(), end="")

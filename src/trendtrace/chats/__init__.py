"""Instruction channels: orders read from exported chat groups, and the accounts that carried them out.

``trendtrace analyze POSTS --chats CHAT...`` stores the messages of each export (``chat_messages``,
parsed by :mod:`trendtrace.readers.chats`); this stage reads the orders among them
(:mod:`trendtrace.chats.rules`), finds the posts that carried each one out and the evidence for
each executing account (:mod:`trendtrace.chats.match`), and writes

``instructions``  one row per order: when, who sent it, what it asked, how many accounts did it and
                  how fast, how many users of its hashtags did not qualify;
``executions``    one row per (order, post) carried out, with what the post matched and the evidence;
``chat_accounts`` one row per executing account: the orders it carried out.

Without chat messages the three tables are written empty. See ``docs/chats.md``.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from trendtrace.settings import Settings
from trendtrace.stage import Stage, write_table

from .model import Message, Order, messages_from

__all__ = ["STAGE", "INSTRUCTION_SCHEMA", "EXECUTION_SCHEMA", "EXECUTOR_SCHEMA", "Message", "Order", "chat_zone",
           "run_chats", "read_chats", "orders_table", "with_zone"]

log = logging.getLogger(__name__)

_TS = pa.timestamp("us")

#: Columns of the ``instructions`` table (``docs/schema.md``; instructions.csv).
INSTRUCTION_SCHEMA = pa.schema([
    ("instruction", pa.string()), ("sent_at", _TS), ("sender", pa.string()), ("hashtags", pa.string()),
    ("text", pa.string()), ("links", pa.string()), ("executed_posts", pa.int64()), ("accounts", pa.int64()),
    ("median_delay_s", pa.float64()), ("median_delay_after_time_s", pa.float64()),
    ("chat", pa.string()), ("line", pa.int64()), ("sent_local", _TS),
    ("chat_tz", pa.string()), ("texts", pa.string()), ("at_time", _TS), ("at_local", _TS), ("min_count", pa.int64()),
    ("accounts_meeting_min_count", pa.int64()), ("hashtag_users", pa.int64()),
    ("hashtag_users_not_qualified", pa.int64()), ("baseline_posts", pa.int64()), ("peak_ratio", pa.float64()),
    ("evidence", pa.string()), ("rules", pa.string()),
])
#: Columns of the ``executions`` table (executions.csv).
EXECUTION_SCHEMA = pa.schema([
    ("instruction", pa.string()), ("post_id", pa.string()), ("account_id", pa.string()), ("delay_s", pa.float64()),
    ("time", _TS), ("matched", pa.string()), ("evidence", pa.string()), ("similarity", pa.float64()),
])
#: Columns of the ``chat_accounts`` table (executors.csv).
EXECUTOR_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("instructions", pa.int64()), ("instruction_ids", pa.string()),
    ("posts", pa.int64()), ("median_delay_s", pa.float64()), ("evidence", pa.string()),
])


def chat_zone(con: Any, settings: Settings) -> tuple[ZoneInfo | None, str]:
    """The zone the chats' clocks are read on and its name: ``chat_tz``, else ``home_tz``, else (with
    ``home_tz`` auto) the zone inferred from the posts (table ``home_zone``); (None, "UTC") when
    none is known."""
    from trendtrace.trends.stats import home_zone_name

    name = str(settings["chat_tz"]) or home_zone_name(con, str(settings["home_tz"])) or ""
    if not name:
        return None, "UTC"
    return ZoneInfo(name), name


def _zone_label(m: Message, resolved: str) -> str:
    """Which clock a message's UTC time came from (the ``chat_tz`` column)."""
    if m.utc is None:
        return resolved
    return m.zone or "exact (export)"


def with_zone(messages: list[Message], zone_name: str) -> list[Message]:
    """``messages`` with their UTC times read on the clock of ``zone_name`` (an IANA name), except
    those whose export carries exact times: what ``analyze --chats CHAT --chat-tz ZONE`` stores, so
    that chats from phones in different zones can share a store."""
    from dataclasses import replace

    from .match import to_utc

    zone = ZoneInfo(zone_name)
    return [m if m.utc is not None else replace(m, utc=to_utc(m.time, zone), zone=zone_name) for m in messages]


def run_chats(con: Any, settings: Settings, messages: list[Message]) -> dict[str, Any]:
    """Read the orders in ``messages`` and match them to the posts on ``con`` (the run's engine);
    return the three tables as Arrow tables and the zone used."""
    from trendtrace.engine import Engine

    from .match import Matching, execution_rows, executor_rows, instruction_rows, match, orders

    zone, zone_name = chat_zone(con, settings)
    instrs = orders(messages, zone, settings)
    m = match(Engine(con, str(settings["engine"])), instrs, settings) if instrs else Matching([], [], {})
    rows = instruction_rows(m)
    for r, ins in zip(rows, instrs, strict=True):
        r["chat_tz"] = _zone_label(ins.message, zone_name)
    return dict(
        instructions=pa.Table.from_pylist(rows, schema=INSTRUCTION_SCHEMA),
        executions=pa.Table.from_pylist(execution_rows(m), schema=EXECUTION_SCHEMA),
        chat_accounts=pa.Table.from_pylist(executor_rows(m), schema=EXECUTOR_SCHEMA),
        zone=zone_name,
    )


def orders_table(messages: list[Message], settings: Settings) -> pa.Table:
    """The orders in ``messages`` as an ``instructions`` table without matching (``trendtrace chats``):
    execution columns empty; UTC times only where ``chat_tz`` is given or the export has them."""
    from .match import Matching, instruction_rows, orders

    name = str(settings["chat_tz"])
    instrs = orders(messages, ZoneInfo(name) if name else None, settings)
    rows = instruction_rows(Matching(instrs, [], {}))
    for r, ins in zip(rows, instrs, strict=True):
        exact = ins.message.utc is not None
        r["chat_tz"] = _zone_label(ins.message, name or "unknown (local times only)")
        if not exact and not name:
            r["sent_at"] = r["at_time"] = None
        for k in ("executed_posts", "accounts", "median_delay_s", "median_delay_after_time_s",
                  "accounts_meeting_min_count", "hashtag_users",
                  "hashtag_users_not_qualified", "baseline_posts", "peak_ratio"):
            r[k] = None
        r["evidence"] = ""
    return pa.Table.from_pylist(rows, schema=INSTRUCTION_SCHEMA)


def _door(store: Any, settings: Settings) -> dict[str, int]:
    con = store.con
    messages: list[Message] = []
    if store.has_table("chat_messages"):
        messages = messages_from(con.cursor().sql("SELECT * FROM chat_messages").arrow().read_all())
    out = run_chats(con, settings, messages) if messages else dict(
        instructions=INSTRUCTION_SCHEMA.empty_table(), executions=EXECUTION_SCHEMA.empty_table(),
        chat_accounts=EXECUTOR_SCHEMA.empty_table())
    write_table(con, "instructions", out["instructions"], "sent_at, instruction")
    write_table(con, "executions", out["executions"])
    write_table(con, "chat_accounts", out["chat_accounts"])
    return {"messages": len(messages), "instructions": out["instructions"].num_rows,
            "executions": out["executions"].num_rows, "executors": out["chat_accounts"].num_rows}


#: The stage contract (:mod:`trendtrace.stage`).
STAGE = Stage("chats", _door, reads=("posts",), uses=("chat_messages", "home_zone"),
              writes=("instructions", "executions", "chat_accounts"))


def read_chats(paths: list[str], settings: Settings,
               zones: list[str] | None = None) -> tuple[list[Message], list[str]]:
    """Parse the chat exports at ``paths`` (``chat_date_order``, ``show_phones``); return their
    messages and the warnings to show (dates read in a guessed order, a chat with no messages).
    ``zones``: per path, the zone its clock is read on now (:func:`with_zone`; "" = decide at
    analysis). Raises :class:`~trendtrace.model.InputError` naming the file and line of the first
    problem."""
    from trendtrace.readers.chats import parse_chat_report

    messages: list[Message] = []
    warnings: list[str] = []
    names: dict[str, str] = {}
    for path in paths:
        parsed = parse_chat_report(path, date_order=str(settings["chat_date_order"]),
                                   keep_phones=bool(settings["show_phones"]))
        for m in parsed.messages[:1]:
            if m.chat in names and names[m.chat] != path:
                from trendtrace.model import InputError

                raise InputError(f"{path}: a chat named {m.chat!r} was already given ({names[m.chat]}); "
                                 "rename one of the files")
            names[m.chat] = path
        if parsed.date_order_guessed:
            warnings.append(f"{path}: every date could be day/month or month/day; read as day/month. "
                            "Give --date-order mdy if the phone wrote month first.")
        if not any(m.kind == "text" for m in parsed.messages):
            warnings.append(f"{path}: no written messages (only system lines or media)")
        zone = zones[paths.index(path)] if zones else ""
        messages += with_zone(parsed.messages, zone) if zone else parsed.messages
    return messages, warnings

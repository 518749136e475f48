"""Writers: simulated posts → the files real sources produce, plus the ground-truth ``labels/``.

Each writer takes :class:`~trendtrace.simulate._scenario.SimChunk` batches in time order and
appends to its file, so memory stays flat whatever the size. Formats and what each one loses are
described in ``docs/simulator.md``:

- ``x-v2``: twarc2 response pages (``data`` ≤ 100 tweets, ``includes.users``/``includes.tweets``,
  ``meta``, ``__twarc``), one page per line.
- ``x-v1``: API v1.1 tweets (``tweet_mode=extended``), one per line, with nested
  ``retweeted_status`` / ``quoted_status`` and the full ``user``.
- ``io-archive``: the 31-column information-operations CSV with its quirks.
- ``csv`` / ``parquet``: one row per post, columns named as the canonical fields.
- ``coortweet``: object_id, account_id, content_id, timestamp_share — reposts only.

Which class writes which format is said by the readers' registry
(:data:`trendtrace.readers.FORMATS`, ``writer``), so the simulator writes exactly the formats
``ingest`` reads back; a class names its data file in ``file_name``.
"""

from __future__ import annotations

import csv
import time as _time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from trendtrace.readers import FORMATS as _REGISTRY
from trendtrace.simulate import _names as N
from trendtrace.simulate._chats import ChatGroup, iso
from trendtrace.simulate._scenario import SimChunk

__all__ = ["FORMATS", "open_writer", "Writer", "LabelWriter", "CSV_COLUMNS", "IO_ARCHIVE_COLUMNS",
           "COORTWEET_COLUMNS", "CHAT_DIR", "CHAT_INSTRUCTION_COLUMNS", "CHAT_EXECUTION_COLUMNS",
           "CHAT_BYSTANDER_COLUMNS", "write_chats"]

IO_ARCHIVE_COLUMNS = (
    "tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count",
    "account_creation_date", "account_language", "tweet_language", "tweet_text", "tweet_time",
    "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid",
    "is_retweet", "retweet_userid", "retweet_tweetid", "latitude", "longitude", "quote_count",
    "reply_count", "like_count", "retweet_count", "hashtags", "urls", "user_mentions", "poll_choices",
)
CSV_COLUMNS = (
    "post_id", "account_id", "time", "kind", "text", "lang", "ref_post_id", "ref_account_id",
    "reply_to_post_id", "hashtags", "urls", "mentions", "client", "handle", "display_name",
    "description", "location", "account_created_at", "followers", "following", "post_count", "likes_given",
    "listed", "verified", "default_profile", "default_profile_image",
)
COORTWEET_COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")
#: The chat groups' folder inside the output directory, and the columns of their truth files.
CHAT_DIR = "chats"
CHAT_INSTRUCTION_COLUMNS = ("chat", "line", "kind", "instruction", "campaign", "sent_utc", "chat_tz",
                            "hashtags", "at_utc", "at_local", "min_count", "copy_text", "url", "post_id")
CHAT_EXECUTION_COLUMNS = ("instruction", "account_id", "post_id", "kind", "copied_text", "time")
CHAT_BYSTANDER_COLUMNS = ("account_id", "post_id", "hashtag", "time", "instruction", "role")


# Rec positions (see _scenario.Rec).
_ID, _ACCT, _TIME, _KIND, _TEXT, _LANG, _REF, _REFACCT, _REPLY, _TAGS, _URLS, _TCO, _MENT, _CLIENT = range(14)
_LIKE, _RT, _RP, _QT = 14, 15, 16, 17
# Account tuple positions (see _scenario.ACCOUNT_FIELDS).
_A_ID, _A_HANDLE, _A_NAME, _A_DESC, _A_LOC, _A_URL, _A_LANG, _A_CREATED = range(8)
_A_FOL, _A_FRI, _A_POSTS, _A_VER, _A_DPROF, _A_DIMG, _A_IMG, _A_LIKES, _A_LISTED = range(8, 17)

_V1_TIME = "%a %b %d %H:%M:%S +0000 %Y"


def _iso(ts: int) -> str:
    return _time.strftime("%Y-%m-%dT%H:%M:%S.000Z", _time.gmtime(ts))


def _v1(ts: int) -> str:
    return _time.strftime(_V1_TIME, _time.gmtime(ts))


def _iso_z(times: np.ndarray) -> list[str]:
    """Unix seconds → ``YYYY-MM-DDTHH:MM:SSZ`` (vectorised)."""
    return [s + "Z" for s in np.datetime_as_string(times.astype("datetime64[s]"), unit="s").tolist()]


def _display(url: str) -> str:
    d = url.split("://", 1)[-1]
    return d if len(d) <= 26 else d[:25] + "…"


def _entities(rec: tuple, people: dict[int, tuple]) -> tuple[list, list, list]:
    """(hashtags, mentions, urls) of a post with character offsets into its text.

    The post record says which hashtags, mentions and links the text holds, in text order; each is
    located with ``str.find`` after the previous one (no regex pass). An entity that a retweet's
    140-character cut removed is not found and so not reported.
    Mentions come as ``(start, end, handle, account index)``; urls as ``(start, end, t.co, expanded)``.
    """
    text = rec[_TEXT]
    pos = 0
    ments = []
    for m in rec[_MENT]:
        h = people[m][_A_HANDLE]
        s = text.find("@" + h, pos)
        if s >= 0:
            pos = s + len(h) + 1
            ments.append((s, pos, h, m))
    tags = []
    for t in rec[_TAGS]:
        s = text.find("#" + t, pos)
        if s >= 0:
            pos = s + len(t) + 1
            tags.append((s, pos, t))
    urls = []
    for t, x in zip(rec[_TCO], rec[_URLS], strict=False):
        s = text.find(t, pos)
        if s >= 0:
            pos = s + len(t)
            urls.append((s, pos, t, x))
    return tags, ments, urls


class Writer:
    """Appends chunks to one data file. Use :func:`open_writer`."""

    fmt = ""
    #: The data file's name inside the output directory.
    file_name = ""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, path: Path, retrieved_base: int) -> Writer:
        """A writer to ``path``; ``retrieved_base`` (unix seconds) is for formats that record when
        they were collected."""
        return cls(path)

    def write(self, chunk: SimChunk) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- X API v2 (twarc2)


class XV2Writer(Writer):
    fmt = "x-v2"
    file_name = "tweets-v2.jsonl"

    @classmethod
    def create(cls, path: Path, retrieved_base: int) -> Writer:
        return cls(path, retrieved_base)

    def __init__(self, path: Path, retrieved_base: int) -> None:
        super().__init__(path)
        self.fh = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - held for the writer's life, closed in close()
        self.page = 0
        self.retrieved_base = retrieved_base
        self._users: dict[str, dict[str, Any]] = {}
        self._refs: dict[str, dict[str, Any]] = {}

    def _user(self, a: tuple) -> dict[str, Any]:
        u = self._users.get(a[_A_ID])
        if u is not None:
            return u
        if len(self._users) > 10_000:  # bounded cache of user objects
            self._users.clear()
        u = {
            "id": a[_A_ID], "username": a[_A_HANDLE], "name": a[_A_NAME], "description": a[_A_DESC],
            "created_at": _iso(a[_A_CREATED]), "verified": a[_A_VER], "protected": False,
            "profile_image_url": a[_A_IMG], "url": a[_A_URL] or "",
            "public_metrics": {"followers_count": a[_A_FOL], "following_count": a[_A_FRI],
                               "tweet_count": a[_A_POSTS], "listed_count": a[_A_LISTED]},
        }
        if a[_A_LOC]:
            u["location"] = a[_A_LOC]
        self._users[a[_A_ID]] = u
        return u

    def _tweet(self, rec: tuple, people: dict[int, tuple],
               conv: dict[str, str], created: str | None = None) -> dict[str, Any]:
        kind = rec[_KIND]
        t: dict[str, Any] = {
            "id": rec[_ID], "text": rec[_TEXT], "author_id": people[rec[_ACCT]][_A_ID],
            "created_at": created or _iso(rec[_TIME]), "lang": rec[_LANG], "source": rec[_CLIENT],
            "conversation_id": conv.get(rec[_REPLY] or "", rec[_ID]) if kind == "reply" else rec[_ID],
            "public_metrics": {"retweet_count": rec[_RT], "reply_count": rec[_RP], "like_count": rec[_LIKE],
                               "quote_count": rec[_QT]},
        }
        tags, ments, urls = _entities(rec, people)
        ent: dict[str, Any] = {}
        if tags:
            ent["hashtags"] = [{"start": s, "end": e, "tag": g} for s, e, g in tags]
        if ments:
            ent["mentions"] = [{"start": s, "end": e, "username": g, "id": people[i][_A_ID]} for s, e, g, i in ments]
        if urls:
            ent["urls"] = [{"start": s, "end": e, "url": u, "expanded_url": x, "display_url": _display(x)}
                           for s, e, u, x in urls]
        if ent:
            t["entities"] = ent
        if rec[_REF]:
            rtype = {"repost": "retweeted", "quote": "quoted", "reply": "replied_to"}[kind]
            t["referenced_tweets"] = [{"type": rtype, "id": rec[_REF]}]
            if kind == "reply":
                t["in_reply_to_user_id"] = people[rec[_REFACCT]][_A_ID]
        return t

    def write(self, chunk: SimChunk) -> None:
        people, refs = chunk.people, chunk.refs
        conv = {pid: pid for pid in refs}  # referenced originals are conversation roots
        recs = chunk.recs
        n = len(recs)
        created = [x + ".000Z" for x in np.datetime_as_string(chunk.times.astype("datetime64[s]"), unit="s").tolist()]
        for lo in range(0, n, 100):
            page = recs[lo: lo + 100]
            data = [self._tweet(r, people, conv, c) for r, c in zip(page, created[lo: lo + 100], strict=False)]
            users: dict[int, None] = {}
            tweets: dict[str, dict[str, Any]] = {}
            for r in page:
                users[r[_ACCT]] = None
                if r[_REF]:
                    users[r[_REFACCT]] = None
                    o = refs[r[_REF]]
                    if o[_ID] not in tweets:
                        ref = self._refs.get(o[_ID])  # popular originals recur page after page
                        if ref is None:
                            if len(self._refs) > 10_000:
                                self._refs.clear()
                            ref = self._refs[o[_ID]] = self._tweet(o, people, conv)
                        tweets[o[_ID]] = ref
                        users[o[_ACCT]] = None
                for m in r[_MENT]:
                    users[m] = None
            obj = {
                "data": data,
                "includes": {"users": [self._user(people[u]) for u in users],
                             **({"tweets": list(tweets.values())} if tweets else {})},
                "meta": {"result_count": len(page), "newest_id": page[-1][_ID], "oldest_id": page[0][_ID]},
                "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all?expansions=author_id%2C"
                                   "referenced_tweets.id%2Centities.mentions.username&max_results=100",
                            "version": "2.14.0",
                            "retrieved_at": _time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                           _time.gmtime(self.retrieved_base + self.page))},
            }
            self.page += 1
            self.fh.write(orjson.dumps(obj))
            self.fh.write(b"\n")

    def close(self) -> None:
        self.fh.close()


# --------------------------------------------------------------------------- X API v1.1


class XV1Writer(Writer):
    fmt = "x-v1"
    file_name = "tweets-v1.jsonl"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fh = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - held for the writer's life, closed in close()

    @staticmethod
    def _user(a: tuple) -> dict[str, Any]:
        return {
            "id": int(a[_A_ID]), "id_str": a[_A_ID], "name": a[_A_NAME], "screen_name": a[_A_HANDLE],
            "location": a[_A_LOC], "description": a[_A_DESC], "url": a[_A_URL], "protected": False,
            "followers_count": a[_A_FOL], "friends_count": a[_A_FRI], "listed_count": a[_A_LISTED],
            "created_at": _v1(a[_A_CREATED]), "favourites_count": a[_A_LIKES],
            "verified": a[_A_VER], "statuses_count": a[_A_POSTS], "lang": None,
            "profile_image_url_https": a[_A_IMG], "default_profile": a[_A_DPROF],
            "default_profile_image": a[_A_DIMG],
        }

    def _tweet(self, rec: tuple, people: dict[int, tuple], users: dict[int, dict], refs: dict[str, tuple],
               nested: bool) -> dict[str, Any]:
        text, kind = rec[_TEXT], rec[_KIND]
        tags, ments, urls = _entities(rec, people)
        a = rec[_ACCT]
        if a not in users:
            users[a] = self._user(people[a])
        reply = kind == "reply" and rec[_REF]
        href = N.CLIENT_HREF.get(rec[_CLIENT], "https://mobile.twitter.com")
        t: dict[str, Any] = {
            "created_at": _v1(rec[_TIME]), "id": int(rec[_ID]), "id_str": rec[_ID], "full_text": text,
            "truncated": False, "display_text_range": [0, len(text)],
            "entities": {
                "hashtags": [{"text": g, "indices": [s, e]} for s, e, g in tags],
                "symbols": [],
                "user_mentions": [{"screen_name": g, "name": people[i][_A_NAME], "id": int(people[i][_A_ID]),
                                   "id_str": people[i][_A_ID], "indices": [s, e]} for s, e, g, i in ments],
                "urls": [{"url": u, "expanded_url": x, "display_url": _display(x), "indices": [s, e]}
                         for s, e, u, x in urls],
            },
            "source": f'<a href="{href}" rel="nofollow">{rec[_CLIENT]}</a>',
            "in_reply_to_status_id": int(rec[_REF]) if reply else None,
            "in_reply_to_status_id_str": rec[_REF] if reply else None,
            "in_reply_to_user_id": int(people[rec[_REFACCT]][_A_ID]) if reply else None,
            "in_reply_to_user_id_str": people[rec[_REFACCT]][_A_ID] if reply else None,
            "in_reply_to_screen_name": people[rec[_REFACCT]][_A_HANDLE] if reply else None,
            "user": users[a], "geo": None, "coordinates": None, "place": None, "contributors": None,
            "is_quote_status": kind == "quote", "retweet_count": rec[_RT], "favorite_count": rec[_LIKE],
            "favorited": False, "retweeted": False, "lang": rec[_LANG],
        }
        if urls:
            t["possibly_sensitive"] = False
        if not nested and rec[_REF] and kind in ("repost", "quote"):
            orig = self._tweet(refs[rec[_REF]], people, users, refs, True)
            if kind == "repost":
                t["retweeted_status"] = orig
            else:
                t["quoted_status_id"] = int(rec[_REF])
                t["quoted_status_id_str"] = rec[_REF]
                t["quoted_status"] = orig
        return t

    def write(self, chunk: SimChunk) -> None:
        people, refs = chunk.people, chunk.refs
        users: dict[int, dict] = {}
        write = self.fh.write  # line by line: a chunk of v1.1 tweets is tens of megabytes
        for r in chunk.recs:
            write(orjson.dumps(self._tweet(r, people, users, refs, False)))
            write(b"\n")

    def close(self) -> None:
        self.fh.close()


# --------------------------------------------------------------------------- CSV-like formats


class _CsvWriter(Writer):
    columns: tuple[str, ...] = ()

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - held for the writer's life, closed in close()
        self.w = csv.writer(self.fh, lineterminator="\n")
        self.w.writerow(self.columns)

    def close(self) -> None:
        self.fh.close()


class IOArchiveWriter(_CsvWriter):
    fmt = "io-archive"
    file_name = "io_archive_tweets.csv"
    columns = IO_ARCHIVE_COLUMNS

    def write(self, chunk: SimChunk) -> None:
        people = chunk.people
        user: dict[int, tuple] = {}  # the eleven profile columns, built once per account and chunk
        for i in {r[_ACCT] for r in chunk.recs}:
            a = people[i]
            user[i] = (a[_A_ID], a[_A_NAME], a[_A_HANDLE], a[_A_LOC], a[_A_DESC], a[_A_URL] or "", a[_A_FOL],
                       a[_A_FRI], _time.strftime("%Y-%m-%d", _time.gmtime(a[_A_CREATED])), a[_A_LANG])
        minutes = np.datetime_as_string(chunk.times.astype("datetime64[s]").astype("datetime64[m]"), unit="m").tolist()
        rows = []
        for r, minute in zip(chunk.recs, minutes, strict=False):
            kind = r[_KIND]
            ref = r[_REF]
            if ref:
                ref_user = people[r[_REFACCT]][_A_ID]
                rt = kind == "repost"
                reply = kind == "reply"
                refs = (ref_user if reply else "", ref if reply else "", ref if kind == "quote" else "",
                        "True" if rt else "False", ref_user if rt else "", ref if rt else "")
            else:
                refs = _NO_REFS
            rows.append((r[_ID], *user[r[_ACCT]], r[_LANG], r[_TEXT], minute.replace("T", " "), r[_CLIENT], *refs,
                         "absent", "absent", float(r[_QT]), float(r[_RP]), float(r[_LIKE]), float(r[_RT]),
                         repr(r[_TAGS]) if r[_TAGS] else "[]", repr(r[_URLS]) if r[_URLS] else "[]",
                         repr([people[m][_A_ID] for m in r[_MENT]]) if r[_MENT] else "[]", ""))
        self.w.writerows(rows)


_NO_REFS = ("", "", "", "False", "", "")


class CsvWriter(_CsvWriter):
    fmt = "csv"
    file_name = "posts.csv"
    columns = CSV_COLUMNS

    def write(self, chunk: SimChunk) -> None:
        people = chunk.people
        user: dict[int, tuple] = {}  # the profile columns, built once per account and chunk
        for i in {r[_ACCT] for r in chunk.recs}:
            a = people[i]
            user[i] = (a[_A_HANDLE], a[_A_NAME], a[_A_DESC], a[_A_LOC],
                       _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(a[_A_CREATED])),
                       a[_A_FOL], a[_A_FRI], a[_A_POSTS], a[_A_LIKES], a[_A_LISTED], _b(a[_A_VER]),
                       _b(a[_A_DPROF]), _b(a[_A_DIMG]))
        rows = []
        for r, ts in zip(chunk.recs, _iso_z(chunk.times), strict=False):
            rows.append((
                r[_ID], people[r[_ACCT]][_A_ID], ts, r[_KIND], r[_TEXT], r[_LANG], r[_REF] or "",
                people[r[_REFACCT]][_A_ID] if r[_REF] else "", r[_REPLY] or "", "|".join(r[_TAGS]),
                "|".join(r[_URLS]), "|".join([people[m][_A_HANDLE].lower() for m in r[_MENT]]), r[_CLIENT],
                *user[r[_ACCT]],
            ))
        self.w.writerows(rows)


def _b(v: bool) -> str:
    return "true" if v else "false"


_LIST = pa.list_(pa.string())
_TS = pa.timestamp("us")
PARQUET_SCHEMA = pa.schema([
    ("post_id", pa.string()), ("account_id", pa.string()), ("time", _TS), ("kind", pa.string()),
    ("text", pa.string()), ("lang", pa.string()), ("ref_post_id", pa.string()), ("ref_account_id", pa.string()),
    ("reply_to_post_id", pa.string()), ("hashtags", _LIST), ("urls", _LIST), ("mentions", _LIST),
    ("client", pa.string()), ("handle", pa.string()), ("display_name", pa.string()),
    ("description", pa.string()), ("location", pa.string()), ("account_created_at", _TS), ("followers", pa.int64()),
    ("following", pa.int64()), ("post_count", pa.int64()), ("likes_given", pa.int64()), ("listed", pa.int64()),
    ("verified", pa.bool_()),
    ("default_profile", pa.bool_()), ("default_profile_image", pa.bool_()),
])


class ParquetWriter(Writer):
    fmt = "parquet"
    file_name = "posts.parquet"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.pw = pq.ParquetWriter(path, PARQUET_SCHEMA, compression="zstd")

    def write(self, chunk: SimChunk) -> None:
        p, people = chunk.posts, chunk.people
        acc = [people[a] for a in p["acct"]]

        def col(k: int) -> list[Any]:
            return [a[k] for a in acc]

        cols = {
            "post_id": p["post_id"], "account_id": col(_A_ID), "time": p["time"] * 1_000_000, "kind": p["kind"],
            "text": p["text"], "lang": p["lang"], "ref_post_id": p["ref_post_id"],
            "ref_account_id": [people[x][_A_ID] if x >= 0 else None for x in p["ref_acct"]],
            "reply_to_post_id": p["reply_to_post_id"], "hashtags": p["hashtags_raw"], "urls": p["urls_raw"],
            "mentions": [[people[m][_A_HANDLE].lower() for m in ms] for ms in p["mention_idx"]],
            "client": p["client"], "handle": col(_A_HANDLE), "display_name": col(_A_NAME),
            "description": col(_A_DESC), "location": col(_A_LOC),
            "account_created_at": np.array(col(_A_CREATED), np.int64) * 1_000_000, "followers": col(_A_FOL),
            "following": col(_A_FRI), "post_count": col(_A_POSTS), "likes_given": col(_A_LIKES),
            "listed": col(_A_LISTED), "verified": col(_A_VER),
            "default_profile": col(_A_DPROF), "default_profile_image": col(_A_DIMG),
        }
        arrays = [pa.array(cols[f.name], type=f.type) for f in PARQUET_SCHEMA]
        self.pw.write_table(pa.Table.from_arrays(arrays, schema=PARQUET_SCHEMA))

    def close(self) -> None:
        self.pw.close()


class CoorTweetWriter(_CsvWriter):
    fmt = "coortweet"
    file_name = "coortweet.csv"
    columns = COORTWEET_COLUMNS

    def write(self, chunk: SimChunk) -> None:
        people = chunk.people
        self.w.writerows((r[_REF], people[r[_ACCT]][_A_ID], r[_ID], r[_TIME])
                         for r in chunk.recs if r[_KIND] == "repost")


#: Format name → writer class, for every format of the readers' registry that names a writer.
WRITERS: dict[str, type[Writer]] = {name: globals()[spec.writer] for name, spec in _REGISTRY.items() if spec.writer}
#: Format name → data file name inside the output directory.
FORMATS: dict[str, str] = {name: cls.file_name for name, cls in WRITERS.items()}


def open_writer(fmt: str, out_dir: Path, retrieved_base: int = 0, suffix: str = "") -> Writer:
    """A writer for ``fmt`` appending to ``out_dir / FORMATS[fmt]`` (with ``suffix`` inserted
    before the extension, for a second source: ``tweets-v2-minutes.jsonl``)."""
    name = FORMATS[fmt]
    stem, dot, ext = name.partition(".")
    path = out_dir / (f"{stem}{suffix}{dot}{ext}" if suffix else name)
    return WRITERS[fmt].create(path, retrieved_base)


# --------------------------------------------------------------------------- chat groups


def write_chats(chat_dir: Path, groups: list[ChatGroup]) -> list[Path]:
    """Write each chat group's export to ``chat_dir / <campaign>.txt`` (UTF-8, ``\\n`` line ends);
    nothing, not even the folder, when there is none. Returns the paths written."""
    if not groups:
        return []
    chat_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for g in groups:
        path = chat_dir / g.file_name
        path.write_bytes(g.text().encode("utf-8"))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- ground truth


class LabelWriter:
    """Writes ``labels/accounts.csv``, ``labels/posts.csv``, ``labels/chat_executions.csv`` and
    ``labels/chat_bystanders.csv`` as chunks arrive; trends, the chats' orders and the truth at the
    end (:meth:`finish`)."""

    def __init__(self, labels_dir: Path, engine: Any) -> None:
        labels_dir.mkdir(parents=True, exist_ok=True)
        self.dir = labels_dir
        self.engine = engine
        self._afh = open(labels_dir / "accounts.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115 - held for the writer's life, closed in close()
        self._pfh = open(labels_dir / "posts.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115 - held for the writer's life, closed in close()
        self.aw = csv.writer(self._afh, lineterminator="\n")
        self.pw = csv.writer(self._pfh, lineterminator="\n")
        # The realistic scenario adds each account's part (organisation, community...) and whether
        # its source has times to the minute only; the other scenarios keep the seven columns.
        self.extended = bool(engine.scn.extended)
        self.aw.writerow(("account_id", "handle", "label", "campaigns", "persona", "tz", "created_batch")
                         + (("group", "times") if self.extended else ()))
        self.pw.writerow(("post_id", "account_id", "label", "trend"))
        self._efh = open(labels_dir / "chat_executions.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115 - held for the writer's life, closed in finish()
        self._bfh = open(labels_dir / "chat_bystanders.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115 - held for the writer's life, closed in finish()
        self.ew = csv.writer(self._efh, lineterminator="\n")
        self.bw = csv.writer(self._bfh, lineterminator="\n")
        self.ew.writerow(CHAT_EXECUTION_COLUMNS)
        self.bw.writerow(CHAT_BYSTANDER_COLUMNS)
        self.posts = 0
        self.accounts = 0
        self.posts_by_label: dict[str, int] = {}
        self.accounts_by_label: dict[str, int] = {}

    def write(self, chunk: SimChunk) -> None:
        e = self.engine
        ids = e.id_str
        recs = chunk.recs
        self.pw.writerows((r[0], ids[r[1]], r[18], r[19]) for r in recs)
        counts = self.posts_by_label
        for r in recs:
            counts[r[18]] = counts.get(r[18], 0) + 1
        # What the chats' truth lists: every execution of an instruction, and real people's posts
        # with its hashtag before it (bystanders) and after it (leaks).
        first_tag = [e._norm[p.hashtags[0]] for p in e.instr]
        for r in recs:
            chat = r[21]
            if chat is None:
                continue
            role, j, copied = chat
            if role == "exec":
                self.ew.writerow((j, ids[r[1]], r[0], r[3], _b(copied), iso(r[2])))
            else:
                self.bw.writerow((ids[r[1]], r[0], first_tag[j], iso(r[2]), j, role))
        self.posts += len(recs)
        rows = []
        for i in chunk.new_accounts:
            lab = e.account_label(i)
            b = int(e.batch[i])
            row = (ids[i], e.handles[i], lab, "|".join(e.campaign_names(i)),
                   ("", "woman", "news")[int(e.persona[i])], e.account_tz(i),
                   e.batch_names[b] if b >= 0 else "")
            rows.append(row + (e.account_group(i), e.account_times(i)) if self.extended else row)
            self.accounts_by_label[lab] = self.accounts_by_label.get(lab, 0) + 1
        self.aw.writerows(rows)
        self.accounts += len(rows)

    def finish(self, fmt: str, chats: list[ChatGroup] | None = None) -> dict[str, Any]:
        """Close the streamed files; write ``trends.csv``, ``chat_instructions.csv`` (the ORDER and
        LINK messages of ``chats``) and ``truth.json``; return the truth."""
        for fh in (self._afh, self._pfh, self._efh, self._bfh):
            fh.close()
        chats = chats or []
        with open(self.dir / "chat_instructions.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(CHAT_INSTRUCTION_COLUMNS)
            w.writerows((o.chat, o.line, o.kind, o.instruction, o.campaign, iso(o.sent), o.chat_tz,
                         "|".join(o.hashtags), iso(o.at), o.at_local, "" if o.min_count is None else o.min_count,
                         o.copy_text, o.url, o.post_id) for g in chats for o in g.orders)
        with open(self.dir / "trends.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(("trend", "truth", "campaign", "kind"))
            w.writerows(self.engine.trends())
        counts = {"posts": self.posts, "accounts": self.accounts,
                  "posts_by_label": dict(sorted(self.posts_by_label.items())),
                  "accounts_by_label": dict(sorted(self.accounts_by_label.items()))}
        summary = [dict(chat=g.file_name, path=f"{CHAT_DIR}/{g.file_name}", campaign=g.campaign, title=g.title,
                        chat_tz=g.tz, lines=len(g.lines), members=g.members,
                        orders=sum(o.kind == "order" for o in g.orders),
                        links=sum(o.kind != "order" for o in g.orders)) for g in chats]
        truth = self.engine.truth(counts, fmt, summary)
        (self.dir / "truth.json").write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2) + b"\n")
        return truth


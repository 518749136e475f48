"""Throwaway timing of the readers' parsers alone (no store): posts per second.

Generates ~200k posts in twarc2 page shape (X v2) and in information-operations archive CSV shape
into a temporary directory, then times the parsers over in-memory lines / a file. Not a test.
Run: .venv/bin/python bench/_readers_speed.py [N]
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import orjson

from trendtrace.readers import parse_io_archive, parse_x_v2
from trendtrace.readers.io_archive import IO_ARCHIVE_COLUMNS

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
rng = random.Random(7)
TAGS = ["PTI", "Jalsa", "انصاف", "PakistanZindabad", "news", "cricket", "ElectionDay", "Breaking"]


def v2_lines(n: int, per_page: int = 100) -> list[bytes]:
    lines = []
    users = [{"id": str(10_000 + i), "username": f"user{i}", "name": f"User {i}", "description": "bio",
              "created_at": "2020-01-01T00:00:00.000Z", "verified": False, "protected": False,
              "profile_image_url": "https://pbs.twimg.com/profile_images/1/x_normal.jpg",
              "public_metrics": {"followers_count": i, "following_count": 10, "tweet_count": 100}}
             for i in range(2000)]
    tid = 10**18
    for _p in range(n // per_page):
        data, inc_users, inc_tweets = [], {}, []
        for _ in range(per_page):
            tid += 1
            u = rng.randrange(2000)
            tags = rng.sample(TAGS, 2)
            t = {"id": str(tid), "author_id": str(10_000 + u), "conversation_id": str(tid),
                 "created_at": f"2021-06-01T{rng.randrange(24):02d}:{rng.randrange(60):02d}:"
                               f"{rng.randrange(60):02d}.000Z",
                 "text": f"some words #{tags[0]} and #{tags[1]} https://t.co/abc", "lang": "en",
                 "source": "Twitter for Android",
                 "entities": {"hashtags": [{"start": 11, "end": 15, "tag": tags[0]},
                                           {"start": 20, "end": 25, "tag": tags[1]}],
                              "urls": [{"url": "https://t.co/abc",
                                        "expanded_url": f"https://example.com/a/{rng.randrange(500)}?utm_source=x",
                                        "display_url": "example.com/a"}],
                              "mentions": [{"start": 0, "end": 5, "username": f"user{rng.randrange(2000)}",
                                            "id": "1"}]},
                 "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 2, "quote_count": 0}}
            if rng.random() < 0.5:
                ref = str(10**17 + rng.randrange(1000))
                t["referenced_tweets"] = [{"type": "retweeted", "id": ref}]
                inc_tweets.append({"id": ref, "author_id": "10001", "created_at": "2021-05-31T00:00:00.000Z",
                                   "text": "orig #PTI",
                                   "entities": {"hashtags": [{"start": 5, "end": 9, "tag": "PTI"}]}})
            data.append(t)
            inc_users[u] = users[u]
        page = {"data": data, "includes": {"users": list(inc_users.values()), "tweets": inc_tweets},
                "meta": {"result_count": per_page},
                "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.10.4",
                            "retrieved_at": "2021-06-02T00:00:00+00:00"}}
        lines.append(json.dumps(page, ensure_ascii=False).encode() + b"\n")
    return lines


def archive_file(n: int, path: Path) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(IO_ARCHIVE_COLUMNS)
        for i in range(n):
            u = rng.randrange(5000)
            rt = rng.random() < 0.4
            tags = rng.sample(TAGS, 2)
            text = f"text of the tweet number {i} #{tags[0]}" + ("\nsecond line" if rng.random() < 0.1 else "")
            w.writerow([str(10**18 + i), f"{u:064x}", f"Name {u}", f"handle{u}", "Lahore", "bio text", "",
                        f"{rng.randrange(5000)}.0", "100.0", "2019-01-01", "en", "en", text,
                        f"2019-03-01 {rng.randrange(24):02d}:{rng.randrange(60):02d}", "Twitter for Android",
                        "", "", "", "True" if rt else "False", f"{rng.randrange(5000):064x}" if rt else "",
                        str(10**17 + rng.randrange(1000)) if rt else "", "absent", "absent", "0.0", "0.0", "1.0",
                        "2.0", f"['{tags[0]}', '{tags[1]}']",
                        f"['https://example.com/{rng.randrange(300)}?utm_source=tw']" if rng.random() < 0.3 else "[]",
                        "[]", ""])


def _timed(fn):  # best of 3: (wall s, CPU s of this process, result)
    best = None
    for _ in range(3):
        w, c = time.perf_counter(), time.process_time()
        r = fn()
        w, c = time.perf_counter() - w, time.process_time() - c
        if best is None or c < best[1]:
            best = (w, c, r)
    return best


def main() -> None:
    # Warm-up: pyarrow imports pandas lazily on its first conversion (about a second here).
    sum(c.posts.num_rows for c in parse_x_v2(v2_lines(200), "warm.jsonl"))
    lines = v2_lines(N)
    orjson_only = _timed(lambda: sum(len(orjson.loads(x)) for x in lines))
    w, c, posts = _timed(lambda: sum(ch.posts.num_rows for ch in parse_x_v2(lines, "bench.jsonl")))
    print(f"x-v2 pages: {N:,} data tweets ({posts:,} posts incl. includes): wall {w:.2f} s = {N / w:,.0f} posts/s; "
          f"CPU {c:.2f} s = {N / c:,.0f} posts/s (orjson.loads alone: CPU {orjson_only[1]:.2f} s = "
          f"{N / orjson_only[1]:,.0f} posts/s)")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "archive.csv"
        archive_file(N, p)
        size = p.stat().st_size

        def run() -> int:
            with open(p, "rb") as f:
                return sum(ch.posts.num_rows for ch in parse_io_archive(f, str(p)))

        w, c, posts = _timed(run)
        print(f"io-archive: {posts:,} posts ({size / 1e6:.0f} MB): wall {w:.2f} s = {posts / w:,.0f} posts/s; "
              f"CPU {c:.2f} s = {posts / c:,.0f} posts/s")
    with open("/proc/loadavg") as f:
        print("load average while measuring:", f.read().split()[:3], "on", os.cpu_count(), "cores")


if __name__ == "__main__":
    main()

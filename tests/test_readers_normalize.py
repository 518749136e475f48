"""Invariants of the shared normalisation helpers (model.py), with Hypothesis."""

from __future__ import annotations

import string
from urllib.parse import parse_qsl, urlsplit

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.model import hashtags_in, mentions_in, normalize_hashtag, normalize_url, urls_in
from trendtrace.readers._columns import list_from_text

# Examples per property: enough to have found the bugs fixed in model.py, small enough to stay fast.
FAST = settings(deadline=None, max_examples=120)

# A word: a letter, then letters, combining marks (Devanagari vowel signs, Arabic harakat) and digits.
word = st.builds(lambda a, b: a + b, st.characters(categories=("L",)),
                 st.text(alphabet=st.characters(categories=("L", "M", "N")), max_size=11))
any_text = st.text(max_size=40)
key = st.text(alphabet=string.ascii_letters + string.digits + "_-.", min_size=1, max_size=10)
val = st.text(alphabet=string.ascii_letters + string.digits + " %&=+/?#._-é", max_size=10)
label = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
host = st.builds(lambda a, b, tld: f"{a}.{b}.{tld}" if b else f"{a}.{tld}", label,
                 st.sampled_from(["", "www", "News", "m"]), st.sampled_from(["com", "PK", "co.uk", "Example"]))
path = st.lists(st.text(alphabet=string.ascii_letters + string.digits + "-_.~%é ", max_size=8), max_size=4)


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    h = draw(host)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    p = "/".join(draw(path))
    trail = draw(st.sampled_from(["", "/", "//"]))
    params = draw(st.lists(st.tuples(st.one_of(key, st.sampled_from(
        ["utm_source", "UTM_Medium", "utm_campaign", "fbclid", "gclid", "si", "s", "t", "id"])), val), max_size=5))
    q = "&".join(f"{k}={v}" for k, v in params)
    frag = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{h}{port}/{p}{trail}" + (f"?{q}" if q else "") + frag


@FAST
@given(any_text)
def test_normalize_hashtag_idempotent(tag):
    once = normalize_hashtag(tag)
    assert normalize_hashtag(once) == once


@FAST
@given(any_text)
def test_normalize_hashtag_shape(tag):
    n = normalize_hashtag(tag)
    assert not n.startswith(("#", "＃")) and n == n.strip()


@FAST
@given(word)
def test_normalize_hashtag_case_and_width_insensitive(w):
    assert normalize_hashtag("#" + w.upper()) == normalize_hashtag("＃" + w.lower()) or w.upper().lower() != w.lower()


@FAST
@given(urls())
def test_normalize_url_idempotent(u):
    once = normalize_url(u)
    assert normalize_url(once) == once


@FAST
@given(urls())
def test_normalize_url_drops_trackers_fragment_and_default_port(u):
    n = normalize_url(u)
    parts = urlsplit(n)
    keys = [k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
    assert not any(k.startswith("utm_") for k in keys)
    assert not {"fbclid", "gclid", "si"} & set(keys)
    assert parts.fragment == "" and "#" not in n
    assert parts.scheme == parts.scheme.lower() and parts.netloc == parts.netloc.lower()
    assert not (parts.scheme == "http" and parts.netloc.endswith(":80"))
    assert not (parts.scheme == "https" and parts.netloc.endswith(":443"))
    assert not parts.path.endswith("/")


@FAST
@given(any_text)
def test_normalize_url_total(s):
    # Never raises, and anything is a fixed point after one pass.
    n = normalize_url(s)
    assert normalize_url(n) == n


def test_normalize_url_known_answers():
    assert normalize_url("HTTPS://WWW.Example.COM:443/a/b/?utm_source=x&id=7#frag") == "https://www.example.com/a/b?id=7"
    assert normalize_url("https://x.com/u/status/1?s=20&t=abc") == "https://x.com/u/status/1"
    assert normalize_url("https://youtube.com/watch?v=1&t=30") == "https://youtube.com/watch?v=1&t=30"
    assert normalize_url("  not a url ") == "not a url"


@FAST
@given(st.lists(word, min_size=1, max_size=6), st.sampled_from([" ", "  ", "\n", ", ", "! "]))
def test_hashtags_in_finds_every_tag(tags, sep):
    tags = [t for t in tags if not t.isdigit() and "_" not in t]
    text = "start " + sep.join("#" + t for t in tags) + " end"
    assert hashtags_in(text) == tags


@FAST
@given(any_text)
def test_hashtags_in_shape(text):
    for t in hashtags_in(text):
        assert ("#" + t) in text or ("＃" + t) in text
        assert not t.isdigit() and "#" not in t and t


def test_hashtags_in_known_answers():
    assert hashtags_in("نیا #پاکستان_زندہ_باد اور #PTI! #123 a#b &#39;") == ["پاکستان_زندہ_باد", "PTI"]
    # Combining marks belong to the tag (Python's \\w excludes them).
    assert hashtags_in("#हिन्दी #پاکِستان #می\u200cخواهم") == ["हिन्दी", "پاکِستان", "می\u200cخواهم"]
    assert normalize_hashtag(" #a") == normalize_hashtag("#A") == "a"
    assert mentions_in("hi @Ali_1 and @SARA.") == ["ali_1", "sara"]
    assert urls_in("see https://a.example/x). and http://b.example.") == ["https://a.example/x", "http://b.example"]


@FAST
@given(st.lists(st.text(alphabet=string.ascii_letters + string.digits + "#_-:/.é", min_size=1, max_size=10),
                max_size=5),
       st.sampled_from(["pylist", "pipe", "comma", "space"]))
def test_list_from_text_roundtrip(items, style):
    # Oracle: the list written in one of the accepted text shapes parses back to the items.
    if style == "pylist":
        cell = repr(items)
    elif style == "pipe":
        cell = "|".join(items)
    elif style == "comma":
        cell = ",".join(items)
    else:
        cell = " ".join(items)
    got = list_from_text(pa.array([cell, None, "[]"])).to_pylist()
    assert got == [items, [], []]


_URL_TOKENS = st.sampled_from(list("aZ09.-/_~:@!$&'()*+,;=%?#\\\"")
                              + ["//", "/a/", "x.com", "t.co", " ", "\t", "é", "A"])


@settings(max_examples=2000, deadline=None)
@given(scheme=st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "", "https:/"]),
       rest=st.lists(_URL_TOKENS, max_size=10))
def test_plain_url_shortcut_agrees_with_the_general_rule(scheme, rest):
    # normalize_url answers plain URLs (lower-case host, no query, fragment or port) without
    # urlsplit; with the shortcut disabled, the general rule must give the same string.
    import re

    from trendtrace import model

    url = scheme + "".join(rest)
    fast = model.normalize_url.__wrapped__(url)
    shortcut = model._PLAIN_URL
    model._PLAIN_URL = re.compile(r"(?!)")
    try:
        assert model.normalize_url.__wrapped__(url) == fast
    finally:
        model._PLAIN_URL = shortcut

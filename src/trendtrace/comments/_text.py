"""What the ring search needs to know of each comment's text: its script, its words, its copy key.

* **language class** (:data:`LATIN` = English, :data:`ROMAN_URDU`, :data:`LATIN_OTHER`, :data:`OTHER`):
  the embedding models read English; Roman Urdu partly (they give unrelated Roman Urdu sentences
  high similarities, so its pairs get a background of their own); other languages in Latin script
  (Indonesian, Turkish, German...) hardly (unrelated sentences come out alike), so they are matched
  as near-copies only; Urdu, Arabic, Devanagari... script not at all (unrelated Urdu sentences come
  out near 0.9), so such comments are matched as exact copies only. Roman Urdu is told by its
  function words (:data:`ROMAN_URDU_WORDS`, at least two and a fifth of the words), English by its
  own (:data:`ENGLISH_WORDS`, at least one and 15% of the words) or, for headline-style text with
  few function words, by most of its words being whole words of MiniLM's English vocabulary
  (:data:`VOCAB_SHARE`).
* **content words**: distinct words of two or more characters, links and @mentions left out, that
  are not in :data:`STOPWORDS` (English, Roman Urdu and Urdu function words). Comments with fewer
  than ``ring_min_words`` of them ("So true", "what a joke", "Allah reham kare", a bare link) are too
  short to tell a ring from chance.
* **copy key**: :func:`trendtrace.text.copy_key` (lower case, links and leading mentions removed)
  without punctuation, symbols and emoji: comments with equal keys are copies.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

__all__ = ["LATIN", "ROMAN_URDU", "OTHER", "LATIN_OTHER", "SCRIPTS", "STOPWORDS", "ROMAN_URDU_WORDS",
           "ENGLISH_WORDS", "TextInfo", "text_info", "script_of"]

LATIN, ROMAN_URDU, OTHER, LATIN_OTHER = 0, 1, 2, 3
SCRIPTS = ("english", "roman_urdu", "other_script", "other_latin")

#: Roman Urdu function words (and a few very common ones) that English does not use.
ROMAN_URDU_WORDS = frozenset((
    "hai", "hain", "nahi", "nahin", "nai", "mein", "ka", "ki", "ke", "ko", "se", "ne", "bhi", "kya", "kia", "kyun",
    "kyon", "aur", "ye", "yeh", "woh", "wo", "tha", "thi", "gaya", "gayi", "gaye", "raha", "rahi", "rahe", "kar",
    "karo", "karna", "karte", "diya", "liya", "hum", "aap", "sab", "phir", "ab", "bohat", "bahut", "acha", "achha",
    "sahi", "kahan", "koi", "kuch", "wala", "wali", "hota", "hoti", "jaye", "chahiye", "lekin", "magar", "agar",
    "tou", "toh", "yahan", "wahan", "apna", "apni", "humara", "humari", "unka", "iska", "uska", "mera", "meri",
    "jo", "jab", "tak", "wohi", "yehi", "sirf", "zyada", "log", "logon", "yaar", "bhai", "hua", "huay", "hue",
    "ho", "hoga", "hogi", "kaha", "baat", "waqt", "sakta", "sakti", "dekho", "dekhte", "nahii",
))
_ENGLISH_STOP = frozenset((
    "a", "an", "the", "and", "or", "but", "if", "then", "so", "of", "to", "in", "on", "at", "by", "for", "with",
    "from", "as", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had",
    "it", "its", "it's", "this", "that", "these", "those", "there", "here", "i", "me", "my", "we", "us", "our",
    "you", "your", "u", "ur", "he", "him", "his", "she", "her", "they", "them", "their", "what", "which", "who",
    "whom", "when", "where", "why", "how", "all", "any", "both", "each", "more", "most", "some", "such", "no", "not",
    "only", "own", "same", "than", "too", "very", "can", "will", "just", "should", "would", "could", "now", "also",
    "about", "up", "down", "out", "over", "again", "even", "still", "yet", "into", "i'm", "im", "don't", "dont",
    "can't", "cant", "let", "let's", "lets", "one", "every", "get", "got", "go", "going", "like", "really", "lol",
    "yes", "yeah", "ok", "okay", "bro", "man", "much", "many", "well", "because", "cuz", "bcz",
))
#: English function words that other Latin-script languages rarely use as words ("a", "in", "to",
#: "die" are left out: Spanish, German, Polish have them too).
ENGLISH_WORDS = frozenset((
    "the", "and", "is", "are", "was", "were", "of", "for", "with", "you", "your", "my", "this", "that", "it",
    "it's", "its", "be", "been", "have", "has", "had", "not", "but", "what", "how", "why", "just", "we", "our",
    "they", "their", "he", "she", "his", "her", "will", "can", "do", "does", "did", "don't", "i'm", "im", "from",
    "at", "by", "or", "if", "so", "all", "about", "get", "got", "out", "up", "there", "here", "when", "who",
    "would", "should", "could", "me", "us", "them", "than", "then", "more", "no", "yes", "now", "only", "also",
    "very", "too", "like", "one", "people", "every", "day", "new", "need", "want", "know", "think", "make",
    "good", "time", "after", "before", "again", "still", "even", "these", "those", "which", "where", "u", "ur",
))
_URDU_STOP = frozenset(("ہے", "ہیں", "کی", "کا", "کے", "میں", "نے", "کو", "سے", "اور", "یہ", "وہ", "بھی", "تو",
                        "نہیں", "تھا", "تھی", "ہو", "گیا", "گئی", "کر", "پر", "کیا", "جو", "اس", "ان"))
#: Words that do not count as content: English, Roman Urdu and Urdu function words.
STOPWORDS = _ENGLISH_STOP | ROMAN_URDU_WORDS | _URDU_STOP

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_NON_WORD = re.compile(r"[\W_]+")


def script_of(text: str, words: Sequence[str]) -> int:
    """The language class of ``text`` and its lower-cased ``words`` (module doc)."""
    if not text.isascii():
        letters = [c for c in text if c.isalpha()]
        if letters:
            latin = sum(1 for c in letters if c < "\u0250" or "LATIN" in unicodedata.name(c, ""))
            if latin * 2 < len(letters):
                return OTHER
        elif not words:
            return OTHER
    if not words:
        return LATIN
    roman = sum(1 for w in words if w in ROMAN_URDU_WORDS)
    if roman >= 2 and roman * 5 >= len(words):
        return ROMAN_URDU
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    if english >= 1 and english * 100 >= 15 * len(words):
        return LATIN
    # headline-style English has few function words ("Track Down Fine Quality Antique Leather
    # Handbags"): English too when most of its words are whole words of the models' vocabulary
    vocab = _english_vocabulary()
    alpha = [w for w in words if len(w) > 1 and w.isalpha()]
    if vocab and len(alpha) >= VOCAB_MIN_WORDS and sum(1 for w in alpha if w in vocab) >= VOCAB_SHARE * len(alpha):
        return LATIN
    return LATIN_OTHER


#: A text with few English function words is still English when at least this share of at least
#: :data:`VOCAB_MIN_WORDS` words of letters are whole words of MiniLM's vocabulary. Chosen on the
#: calibration half of the social-honeypot tweets (docs/comments.md): it moves 2,715 of 7,102 tweets
#: read as "other Latin" back to English, nearly all spam headlines; Portuguese, Spanish and
#: Indonesian tweets mostly stay out (their words are rarely whole vocabulary words).
VOCAB_SHARE = 0.7
VOCAB_MIN_WORDS = 3


@functools.lru_cache(maxsize=1)
def _english_vocabulary() -> frozenset[str]:
    """Whole words (letters only, two or more) of the vocabulary shipped with all-MiniLM-L6-v2 (uncased
    English WordPiece); empty without the ``comments`` extra (then the function-word rule alone)."""
    from .embed import EmbeddingUnavailable, minilm_path

    try:
        text = (minilm_path() / "vocab.txt").read_text(encoding="utf-8")
    except (EmbeddingUnavailable, OSError):
        return frozenset()
    return frozenset(w for w in (line.strip() for line in text.splitlines()) if len(w) > 1 and w.isalpha())


class TextInfo:
    """Per-comment arrays: ``script`` (language class, int8), ``content`` (content words, int32),
    ``key`` (copy keys)."""

    def __init__(self, script: np.ndarray, content: np.ndarray, key: list[str]) -> None:
        self.script, self.content, self.key = script, content, key


_MENTION = re.compile(r"@\w+")


def text_info(texts: Sequence[str]) -> TextInfo:
    """:class:`TextInfo` of ``texts`` (module doc)."""
    from ..text import copy_key

    n = len(texts)
    script = np.zeros(n, dtype=np.int8)
    content = np.zeros(n, dtype=np.int32)
    keys: list[str] = []
    stop = STOPWORDS
    for i, text in enumerate(texts):
        key = copy_key(text)
        words = _WORD.findall(_MENTION.sub(" ", key) if "@" in key else key)
        script[i] = script_of(text, words)
        content[i] = len({w for w in words if len(w) > 1 and w not in stop})
        keys.append(" ".join(_NON_WORD.sub(" ", key).split()))
    return TextInfo(script, content, keys)

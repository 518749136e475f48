"""Agreement-only replies: "Exactly this.", "Couldn't agree more", "Bilkul sahi kaha".

A comment is *agreement-only* when it holds an agreement phrase and says almost nothing else: at
most :data:`NEW_WORDS` words remain once the agreement phrases, filler words (:data:`FILLERS`:
"so", "bro", "100", "bhai"...) and the words of the comment it replies to are taken out, and none
of the remaining words is a negation (:data:`NEGATIONS`: "not true" does not agree). Words that
only agree when they are the whole reply ("True.", "Same", "Yes") are in :data:`ALONE`.

The lexicon is English, Roman Urdu and Urdu script; it is small on purpose and listed here in full
(docs/comments.md). Matching is on lower-cased words (letters, digits and marks), so punctuation,
emoji and case never matter: "EXACTLY THIS!!! 💯" agrees.

>>> agreement_only("Couldn't agree more, well said!"), agreement_only("So true, my cousin lost his job too")
(True, False)
>>> agreement_only("Exactly, the PM must go", parent="The PM must go now")
True
"""

from __future__ import annotations

import re

__all__ = ["agreement_only", "PHRASES", "ALONE", "FILLERS", "NEGATIONS", "NEW_WORDS", "tokens"]

#: Agreement phrases, anywhere in a reply.
PHRASES: tuple[str, ...] = (
    # English
    "exactly", "exactly this", "precisely", "so true", "too true", "very true", "true that", "so right",
    "well said", "well put", "nicely said", "agreed", "agree", "i agree", "totally agree", "completely agree",
    "fully agree", "strongly agree", "couldn't agree more", "could not agree more", "cant agree more",
    "can't agree more", "absolutely", "absolutely right", "absolutely true", "spot on", "hear hear",
    "you are right", "you're right", "youre right", "so very true", "right on", "bang on", "nailed it",
    "this is the truth", "the truth", "nothing but the truth", "my thoughts exactly", "said it better than i could",
    "facts", "preach", "amen", "indeed", "truly said", "rightly said", "100 percent", "thank you for saying this",
    "thanks for saying this", "this is it", "this exactly",
    # Roman Urdu
    "bilkul", "bilkul sahi", "bilkul theek", "bilkul thik", "bilkul durust", "bilkul sach", "sahi kaha",
    "sahi baat", "sahi baat hai", "sach kaha", "sach baat", "sach baat hai", "durust", "durust kaha",
    "theek kaha", "thik kaha", "aap ne sahi kaha", "ap ne sahi kaha", "sahi kaha aap ne", "khoob kaha",
    "bohat khoob", "kya baat hai", "sau fisad", "100 fisad", "meri bhi yehi raye hai", "haq baat",
    # Urdu script
    "بالکل", "بالکل درست", "بالکل ٹھیک", "بالکل صحیح", "صحیح کہا", "سچ کہا", "درست کہا", "درست", "متفق",
    "آپ نے ٹھیک کہا", "آپ نے صحیح کہا", "حق بات", "سچ بات",
)
#: Words that agree only when they are all there is (besides fillers): "True.", "Same here", "Yes!".
ALONE: tuple[str, ...] = (
    "this", "true", "same", "same here", "yes", "yes yes", "correct", "right", "totally", "so", "haan", "ji",
    "ji haan", "sahi", "sach", "zabardast", "1", "plus 1", "yup", "yep", "yeah", "this this", "درست", "صحیح",
)
_ADDRESS = frozenset(("bro", "brother", "sis", "sister", "man", "dude", "mate", "sir", "madam", "bhai", "yaar",
                      "yar", "ji", "jee", "sahab", "sahib", "dear", "friend", "100", "percent", "so", "very",
                      "really", "totally", "lol", "haha"))
#: Words that add nothing to an agreement.
FILLERS: frozenset[str] = frozenset((
    "so", "very", "really", "just", "totally", "completely", "absolutely", "100", "percent", "1000", "1",
    "bro", "brother", "sis", "sister", "man", "dude", "mate", "sir", "madam", "maam", "ma", "am", "bhai", "yaar",
    "yar", "ji", "jee", "sahab", "sahib", "saab", "dear", "friend", "this", "is", "it", "that", "the", "a", "an",
    "and", "i", "you", "u", "me", "my", "we", "are", "was", "its", "it's", "s", "re", "here", "too", "also",
    "more", "said", "say", "well", "all", "of", "with", "what", "he", "she", "they", "hai", "ne", "aap", "ap",
    "apne", "ki", "ka", "ke", "ko", "to", "hi", "bhi", "hain", "ha", "haan", "yes", "yeah", "yup", "true",
    "right", "same", "exactly", "thanks", "thank", "for", "saying", "on", "point", "hundred", "lol", "haha",
    "ہے", "نے", "آپ", "جی", "بھائی", "بھی",
))
#: A reply with one of these left over disagrees or doubts: never agreement-only.
NEGATIONS: frozenset[str] = frozenset((
    "not", "no", "nope", "never", "dont", "don", "doesn", "isn", "wrong", "false", "disagree", "fake", "lie",
    "lies", "nahi", "nahin", "galat", "jhoot", "jhooth", "bakwas", "but", "why", "how", "source", "?",
    "نہیں", "غلط", "جھوٹ",
))
#: At most this many words of its own (not agreement, filler, or the parent's words) in an agreement-only reply.
NEW_WORDS = 2

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|\?")


def tokens(text: str | None) -> list[str]:
    """Lower-cased words of ``text`` (letters, digits and marks; "couldn't" is one word; "?" is kept)."""
    return _WORD.findall(text.lower().replace("\u2019", "'")) if text else []


def _phrases(items: tuple[str, ...]) -> dict[int, frozenset[tuple[str, ...]]]:
    by_len: dict[int, set[tuple[str, ...]]] = {}
    for p in items:
        t = tuple(tokens(p))
        by_len.setdefault(len(t), set()).add(t)
    return {n: frozenset(s) for n, s in sorted(by_len.items(), reverse=True)}


_PHRASES = _phrases(PHRASES)
_ALONE = frozenset(tuple(tokens(p)) for p in ALONE)


def agreement_only(text: str | None, parent: str | None = None, new_words: int = NEW_WORDS) -> bool:
    """Whether ``text`` only agrees (module doc), optionally with the ``parent`` comment it replies
    to (whose words do not count as new). ``new_words``: how many words of its own it may add."""
    words = tokens(text)
    if not words or len(words) > 25:
        return False
    if "?" in words:
        return False
    bare = tuple(w for w in words if w not in _ADDRESS)
    if tuple(words) in _ALONE or bare in _ALONE:
        return True
    used = [False] * len(words)
    matched = False
    for n, phrases in _PHRASES.items():
        if n > len(words):
            continue
        i = 0
        while i + n <= len(words):
            if not any(used[i:i + n]) and tuple(words[i:i + n]) in phrases:
                for k in range(i, i + n):
                    used[k] = True
                matched = True
                i += n
            else:
                i += 1
    if not matched:
        return False
    rest = [w for w, u in zip(words, used, strict=True) if not u]
    if any(w in NEGATIONS for w in rest):
        return False
    own = set(tokens(parent))
    new = [w for w in rest if w not in FILLERS and w not in own]
    return len(new) <= new_words


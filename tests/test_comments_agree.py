"""Agreement-only replies: the lexicon, low novelty against the parent, negations, and robustness."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.comments import agreement_only
from trendtrace.comments._agree import ALONE, PHRASES

# (reply, parent or None, agreement-only?) with the reason in the comment
CASES = [
    ("Exactly this.", None, True),  # a phrase, nothing else
    ("Couldn’t agree more, well said!", None, True),  # curly apostrophe, two phrases
    ("EXACTLY THIS!!! 💯💯", None, True),  # case, punctuation and emoji never matter
    ("So true", None, True),
    ("well said bro", None, True),  # an address word is filler
    ("agreed 100%", None, True),
    ("+1", None, True),  # alone
    ("True.", None, True),  # alone
    ("Same here bro", None, True),
    ("Bilkul sahi kaha.", None, True),  # Roman Urdu
    ("Sahi kaha aap ne bhai", None, True),
    ("بالکل درست", None, True),  # Urdu script
    ("Exactly, the PM must go", "The PM must go now", True),  # restates the parent: no new words
    ("So true, my area too", None, True),  # two words of its own are allowed
    ("So true, my cousin lost his job at the mill too", None, False),  # says something of its own
    ("not true", None, False),  # a negation
    ("So true? really", None, False),  # a question doubts
    ("I agree but the PM is wrong", None, False),  # "but", "wrong"
    ("Well said, this is a lie", None, False),
    ("This is sad", None, False),  # "this" agrees only alone
    ("The PM must resign now", None, False),  # no agreement phrase
    ("Thank you for sharing", None, False),
    ("", None, False),
    (None, None, False),
]


@pytest.mark.parametrize("reply, parent, expected", CASES)
def test_agreement_only(reply, parent, expected):
    assert agreement_only(reply, parent) is expected


def test_every_phrase_agrees_on_its_own():
    for phrase in PHRASES + ALONE:
        assert agreement_only(phrase), phrase
        assert agreement_only(phrase.upper() + "!!"), phrase


def test_new_words_allowance():
    assert not agreement_only("Exactly, prices doubled in Multan", new_words=2)
    assert agreement_only("Exactly, prices doubled in Multan", new_words=4)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=200)), st.one_of(st.none(), st.text(max_size=80)))
def test_never_fails_on_any_text(reply, parent):
    assert agreement_only(reply, parent) in (True, False)

"""vocab.literals: a trie expression finds what the flat alternation of the same words finds."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.extract.vocab import literals

WORDS = st.lists(st.text(alphabet="abst-", min_size=1, max_size=5), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(words=WORDS, text=st.text(alphabet="abst- .", max_size=40))
def test_a_trie_finds_what_the_flat_alternation_finds(words, text):
    flat = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
    got, expected = literals(words).search(text), flat.search(text)
    assert (got and got.span()) == (expected and expected.span())


def test_an_empty_list_finds_nothing():
    assert literals([]).search("anything") is None

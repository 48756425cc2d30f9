"""Who is in the photo, as the filters and find's query language take it: --person names
are cleaned and kept in order, person:NAME terms leave the words to FTS, and a bad face
count range is one clear error."""

from __future__ import annotations

import pytest

from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.query.metadata_search import split_people


def test_person_names_are_tidied_and_deduplicated():
    flt = Filter.parse(people=["  Ana   Silva ", "Rui", "Ana Silva", ""])
    assert flt.people == ("Ana Silva", "Rui")
    assert Filter.parse(people="Ana").people == ("Ana",)
    where, params = flt.where()
    assert params[-2:] == ["Ana Silva", "Rui"] and where.count("people p") == 2


@pytest.mark.parametrize(
    ("query", "words", "people"),
    [
        ('person:"Ana Silva" beach', " beach", ("Ana Silva",)),
        ("beach PERSON:Rui", "beach ", ("Rui",)),
        ('person:"Ana" person:Rui person:"Ana"', "   ", ("Ana", "Rui")),
        ("beach", "beach", ()),
        ('name:person:x "person:Ana"', 'name:person:x "person:Ana"', ()),
    ],
)
def test_person_terms_leave_the_words_to_find(query, words, people):
    left, names = split_people(query)
    assert (left.split(), names) == (words.split(), people)


def test_a_face_count_range_upside_down_is_refused():
    with pytest.raises(PictorError, match="min_faces"):
        Filter.parse(min_faces=3, max_faces=1)

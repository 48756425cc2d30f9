"""The duplicate tiers behind one interface: the registry, the thresholds each takes, and
the paging the base class owns for every tier (no catalog, no model: a made-up tier)."""

from __future__ import annotations

import contextlib

import pytest

from indexing.dedup.records import Group, Member
from indexing.dedup.tier import Tier
from indexing.dedup.tiers import REGISTRY, THRESHOLDS, TIERS, tier_named
from indexing.errors import PictorError


def test_every_tier_is_found_by_its_name_and_an_unknown_name_lists_them() -> None:
    assert TIERS == ("exact", "near", "similar", "clusters")
    assert all(tier_named(name).name == name for name in TIERS)
    with pytest.raises(PictorError, match="unknown tier 'nearest'; use one of: exact, near"):
        tier_named("nearest")


def test_each_tier_checks_its_own_threshold() -> None:
    assert tier_named("near").threshold(None) == 10.0
    assert tier_named("similar").threshold(None) == 0.9
    assert tier_named("similar").threshold(0.85) == 0.85
    with pytest.raises(PictorError, match="near threshold is differing hash bits from 0 to 11"):
        tier_named("near").threshold(12)
    with pytest.raises(PictorError, match=r"similar threshold is cosine similarity from 0\.8"):
        tier_named("similar").threshold(0.5)
    with pytest.raises(PictorError, match="exact tier takes no threshold"):
        tier_named("exact").threshold(3)
    with pytest.raises(PictorError, match="clusters tier takes no threshold"):
        tier_named("clusters").threshold(0.9)
    assert tier_named("clusters").threshold(None) is None
    assert THRESHOLDS == {"near": (0, 11), "similar": (0.8, 1.0)}  # the UI's sliders
    assert [name for name, tier in REGISTRY.items() if tier.browsing] == ["clusters"]


def card(number: int) -> Member:
    return Member(f"c{number}", f"/p/{number}.jpg", [f"/p/{number}.jpg"], 1, 1, 1, 0.0, None,
                  None, None)  # fmt: skip


class Numbers(Tier[int]):
    """A made-up tier of `count` one-card groups, to see the base's flow alone."""

    name = "numbers"
    noun = "numbers"

    def __init__(self, count: int):
        self.count = count
        self.updates = 0

    def update(self, library, catalog, progress, cancel) -> None:
        self.updates += 1

    def keys(self, library, catalog, threshold) -> list[int]:
        return list(range(1, self.count + 1))

    def groups_of(self, library, catalog, keys: list[int]) -> list[Group]:
        return [Group([card(n)]) for n in keys]

    def group_holding(self, library, catalog, threshold, content_id):
        return None


class NoCatalog:
    def open_catalog(self):
        return contextlib.nullcontext(None)


def numbers(groups: list[Group]) -> list[int]:
    return [int(g.members[0].content_id[1:]) for g in groups]


def test_the_base_pages_numbers_and_streams_every_group_of_a_tier(monkeypatch) -> None:
    tier = Numbers(25)
    page = tier.page(NoCatalog(), None, 2, per_page=10)
    assert numbers(page.groups) == list(range(11, 21))
    assert (page.total, page.pages, page.first_number, tier.updates) == (25, 3, 11, 1)
    assert tier.page(NoCatalog(), None, 2, per_page=20).pages == 2
    monkeypatch.setattr("indexing.dedup.tier.CHUNK", 4)
    total, every = tier.every(NoCatalog(), None)
    assert total == 25 and numbers(list(every)) == list(range(1, 26))
    picked = tier.numbered(NoCatalog(), None, [12, 3])
    assert numbers(picked) == [12, 3]
    with pytest.raises(PictorError, match="no group 26: the numbers tier has 25 groups"):
        tier.numbered(NoCatalog(), None, [3, 26])

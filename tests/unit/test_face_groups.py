"""Grouping faces into people (indexing.curate.face_groups) on synthetic descriptors: the
same person's faces end in one group, different people's never do, a face joins the named
person it is close to unless the user said it is not them, and the inverted-file index
finds the neighbours the exact search finds."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from indexing.curate.face_groups import (
    DescriptorIndex,
    chinese_whispers,
    plan_grouping,
    whispers_by_component,
)


def people(count: int, faces_each: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Descriptors spread like dlib's: a person's faces about 0.3 apart, people about 0.95."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 0.06, (count, 128)).astype(np.float32)
    truth = np.repeat(np.arange(count), faces_each)
    noise = rng.normal(0, 0.018, (len(truth), 128)).astype(np.float32)
    return centres[truth] + noise, truth


def pair_scores(truth: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    together = pairs(Counter(zip(truth.tolist(), labels.tolist(), strict=True)))
    return together / max(1, pairs(Counter(labels.tolist()))), together / pairs(Counter(truth))


def labels_of(groups: list[list[int]], count: int) -> np.ndarray:
    labels = np.full(count, -1)
    for number, members in enumerate(groups):
        labels[members] = number
    assert (labels >= 0).all(), "every face is in a group"
    return labels


def test_new_faces_group_by_person_without_knowing_how_many():
    faces, truth = people(40, 6)
    plan = plan_grouping(faces, np.zeros((0, 128), np.float32), np.zeros(0, np.int64), {})
    precision, recall = pair_scores(truth, labels_of(plan.groups, len(faces)))
    assert precision == 1.0
    assert recall == 1.0
    assert len(plan.groups) == 40


def test_a_new_face_joins_the_known_person_it_resembles():
    faces, truth = people(3, 5)
    known, new = faces[truth != 2][::2], faces  # persons 0 and 1 are known (ids 10, 11)
    known_person = np.where(truth[truth != 2][::2] == 0, 10, 11)
    plan = plan_grouping(new, known, known_person, {})
    for index, person in enumerate(truth):
        if person == 2:
            assert index not in plan.joins  # nobody known looks like person 2
        else:
            assert plan.joins[index] == (10 if person == 0 else 11)
    assert [sorted(g) for g in plan.groups] == [np.flatnonzero(truth == 2).tolist()]


def test_not_this_person_is_never_undone():
    faces, truth = people(2, 4)
    known, known_person = faces[truth == 0][:2], np.array([10, 10])
    rejected_face = int(np.flatnonzero(truth == 0)[3])
    plan = plan_grouping(faces, known, known_person, {rejected_face: {10}})
    assert rejected_face not in plan.joins
    assert all(plan.joins[i] == 10 for i in np.flatnonzero(truth == 0) if i != rejected_face)


def test_nothing_to_group_is_no_work():
    plan = plan_grouping(
        np.zeros((0, 128), np.float32), np.zeros((0, 128), np.float32), np.zeros(0, np.int64), {}
    )
    assert plan.joins == {} and plan.groups == []


def test_the_cell_index_finds_what_the_exact_search_finds():
    faces, _ = people(120, 8, seed=3)
    exact = DescriptorIndex(faces).search(faces, 5, 0.5)
    cells = DescriptorIndex(faces, exact_limit=100).search(faces, 5, 0.5)
    assert cells_found(cells) / cells_found(exact) >= 0.99
    assert pairs_of(cells) <= pairs_of(exact)  # never a pair outside the radius


def pairs_of(found) -> set[tuple[int, int]]:
    return set(zip(found.query.tolist(), found.data.tolist(), strict=True))


def cells_found(found) -> int:
    return len(found.query)


def test_chinese_whispers_splits_two_cliques_joined_by_one_edge():
    clique = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    edges = clique + [(a + 5, b + 5) for a, b in clique] + [(4, 5)]
    source, target = (np.array(side, np.int64) for side in zip(*edges, strict=True))
    labels = chinese_whispers(10, source, target, np.ones(len(edges), np.float32))
    assert len(set(labels[:5].tolist())) == 1
    assert len(set(labels[5:].tolist())) == 1
    assert labels[0] != labels[9]


@pytest.mark.parametrize("count", [1, 2])
def test_a_lone_face_is_a_group_of_its_own(count):
    faces, _ = people(count, 1)
    plan = plan_grouping(faces, np.zeros((0, 128), np.float32), np.zeros(0, np.int64), {})
    assert sorted(map(len, plan.groups)) == [1] * count


def test_components_in_small_batches_group_the_same_people():
    faces, truth = people(30, 5, seed=5)
    found = DescriptorIndex(faces).search(faces, 6, 0.5)
    other = found.query != found.data
    source, target = found.query[other], found.data[other]
    weight = np.ones(len(source), np.float32)
    labels = whispers_by_component(len(faces), source, target, weight, batch=12)
    assert pair_scores(truth, labels) == (1.0, 1.0)

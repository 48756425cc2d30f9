"""A video's faces (indexing.ingest.faces.one_per_person): a person seen at many moments is
one face of the video, the clearest sighting, with its moment; two people stay two."""

from __future__ import annotations

import numpy as np

from indexing.ingest.faces import one_per_person
from indexing.models.faces import FoundFace
from indexing.store.faces import descriptors_of

rng = np.random.default_rng(3)
ANA, RUI = (rng.normal(0, 0.06, 128).astype(np.float32) for _ in range(2))


def seen(person: np.ndarray, score: float, left: float = 0.2) -> FoundFace:
    descriptor = (person + rng.normal(0, 0.015, 128)).astype(np.float32)
    return FoundFace(left, 0.2, 0.2, 0.2, score, descriptor)


def test_one_face_per_person_the_clearest_with_its_moment() -> None:
    sightings = [(0.0, seen(ANA, 1.1)), (10.0, seen(ANA, 2.3)), (20.0, seen(ANA, 1.5)),
                 (20.0, seen(RUI, 0.9, left=0.6)), (30.0, seen(RUI, 1.4, left=0.6))]  # fmt: skip
    faces = one_per_person(sightings)
    assert [(f.moment_ms, f.score) for f in faces] == [(10_000, 2.3), (30_000, 1.4)]
    vectors = descriptors_of([f.descriptor or b"" for f in faces])
    assert np.linalg.norm(vectors[0] - ANA) < np.linalg.norm(vectors[0] - RUI)
    assert one_per_person([]) == []

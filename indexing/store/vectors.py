"""ChromaDB: one collection per model id, cosine space. Embedded by default, or a server."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from indexing.errors import PictorError
from indexing.records import Vectors
from indexing.store.locks import exclusive

# Cosine space. ef_search well above Chroma's default keeps recall@10 high at a million
# vectors; ef_search can be changed later, the rest only when a collection is created.
# ef_construction 100 and 16 neighbours build 3x faster than 200 and 32 with the same
# recall@10 (README, "Search"). Cheaper graphs keep recall at 200,000 vectors
# (bench/vector_bench.py) but not at a million: there ef_construction 64 built 1.4x faster
# (1,687 against 1,168 vectors/s) and its recall@10 fell to 0.955 (bench/search_bench.py).
# ef_search 1024: at a million vectors, recall@10 0.994 (p50 12.5 ms) where 128 gave 0.852,
# 256 0.962 and 512 0.972 (the ranker asks for 128 candidates; README, "Search");
# collections made with a smaller one are raised on open.
HNSW = {"space": "cosine", "ef_construction": 100, "ef_search": 1024, "max_neighbors": 16}


def collection_name(model_id: str) -> str:
    """Chroma's rules: 3-512 chars of [a-zA-Z0-9._-], starting and ending alphanumeric."""
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", model_id).strip("-._")[:80]
    digest = hashlib.blake2b(model_id.encode(), digest_size=4).hexdigest()
    return f"clip-{slug}-{digest}"


FRAMES = "#frames"  # the suffix of a model's frames collection: one vector per video moment


def frames_of(model_id: str) -> str:
    """The key of model_id's frames collection: a vector per sampled moment of each video,
    under frame_id; the model's own collection has one vector per content (for a video,
    the mean of its moments)."""
    return model_id + FRAMES


def frame_id(content_id: str, seconds: float) -> str:
    return f"{content_id}@{round(seconds * 1000)}"


def parse_frame_id(frame: str) -> tuple[str, float]:
    """(the video's content id, the moment in seconds) of a frame vector's id."""
    content_id, _, ms = frame.rpartition("@")
    return content_id, int(ms) / 1000


def _with_current_search_breadth(client, collection):
    """A collection made with a smaller ef_search (an older Pictor) gets today's: it is a
    query-time setting, stored with the collection, read when its index loads."""
    try:
        hnsw = (collection.configuration or {}).get("hnsw") or {}
        if int(hnsw.get("ef_search") or HNSW["ef_search"]) >= HNSW["ef_search"]:
            return collection
        collection.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
        return client.get_collection(collection.name, embedding_function=None)
    except Exception:  # a server that refuses: its own setting stays, search still works
        return collection


class VectorStore:
    """Vectors keyed by content id. Losing them costs recomputation, never user data."""

    def __init__(self, client, lock: Path | None = None) -> None:
        self.client = client
        self._lock = lock  # embedded stores: the file lock that serialises creation
        self._collections: dict[str, object] = {}
        self.max_batch = max(1, int(client.get_max_batch_size()))

    @classmethod
    def embedded(cls, path: Path) -> VectorStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path.mkdir(parents=True, exist_ok=True)
        # Chroma creates its tables on the first open: two processes doing that at once fail
        # with "table collections already exists". One opener at a time per folder.
        with exclusive(path.with_name(path.name + ".lock")):
            client = chromadb.PersistentClient(
                path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
            )
        return cls(client, lock=path.with_name(path.name + ".lock"))

    @classmethod
    def server(cls, host: str, port: int) -> VectorStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            client = chromadb.HttpClient(
                host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False)
            )
            client.heartbeat()
        except Exception as exc:
            raise PictorError(
                f"cannot reach the Chroma server at {host}:{port} ({type(exc).__name__}); "
                "start it with `chroma run --path DIR --port PORT` or unset PICTOR_CHROMA_HOST"
            ) from None
        return cls(client)

    def collection(self, model_id: str):
        found = self._collections.get(model_id)
        if found is None:
            if self._lock is not None:
                with exclusive(self._lock):
                    found = self._get_or_create(model_id)
            else:
                found = self._get_or_create(model_id)
            self._collections[model_id] = found
        return found

    def _get_or_create(self, model_id: str):
        """get_or_create, tolerant of another client creating the collection meanwhile."""
        name = collection_name(model_id)
        try:
            found = self.client.get_or_create_collection(
                name,
                configuration={"hnsw": HNSW},
                metadata={"model_id": model_id},
                embedding_function=None,
            )
        except Exception:  # a server-side race ("already exists"): the other one won
            found = self.client.get_collection(name, embedding_function=None)
        return _with_current_search_breadth(self.client, found)

    def upsert(self, model_id: str, ids: Sequence[str], vectors: Vectors) -> None:
        """Idempotent: writing the same content id twice keeps one vector."""
        collection = self.collection(model_id)
        for start in range(0, len(ids), self.max_batch):
            stop = start + self.max_batch
            collection.upsert(ids=list(ids[start:stop]), embeddings=vectors[start:stop])

    def get(self, model_id: str, ids: Sequence[str]) -> dict[str, Vectors]:
        out: dict[str, Vectors] = {}
        collection = self.collection(model_id)
        for start in range(0, len(ids), self.max_batch):
            found = collection.get(
                ids=list(ids[start : start + self.max_batch]), include=["embeddings"]
            )
            for content_id, vector in zip(found["ids"], found["embeddings"], strict=True):
                out[content_id] = np.asarray(vector, dtype=np.float32)
        return out

    def query(
        self, model_id: str, vector: Vectors, k: int, ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k nearest (content id, cosine similarity), best first, by Chroma's HNSW index.

        With ids, the search runs only over those content ids (Chroma's filtered search).
        """
        collection = self.collection(model_id)
        found = collection.query(
            query_embeddings=np.asarray(vector, dtype=np.float32)[None, :],
            n_results=max(1, int(k)),
            ids=list(ids) if ids is not None else None,
            include=["distances"],
        )
        return [
            (content_id, max(-1.0, min(1.0, 1.0 - float(distance))))
            for content_id, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]

    def pages(
        self, model_id: str, page_size: int = 5000, start: int = 0
    ) -> Iterator[tuple[list[str], Vectors]]:
        """Every (ids, vectors) in the collection from offset start, a page at a time."""
        collection = self.collection(model_id)
        offset = start
        while True:
            found = collection.get(limit=page_size, offset=offset, include=["embeddings"])
            if not found["ids"]:
                return
            yield list(found["ids"]), np.asarray(found["embeddings"], dtype=np.float32)
            offset += len(found["ids"])

    def count(self, model_id: str) -> int:
        return self.collection(model_id).count()

    def model_ids(self) -> list[str]:
        ids = []
        for collection in self.client.list_collections():
            metadata = getattr(collection, "metadata", None) or {}
            if "model_id" in metadata and not metadata["model_id"].endswith(FRAMES):
                ids.append(metadata["model_id"])
        return sorted(ids)

    def drop(self, model_id: str) -> None:
        self.client.delete_collection(collection_name(model_id))
        self._collections.pop(model_id, None)

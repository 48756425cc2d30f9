"""The duplicate tiers' tables: near hashes, the pair caches, the clusters, and the reads
that turn cached pairs into groups (indexing.dedup asks here; nothing else runs their SQL).

- `images.near_hashes`: each image's perceptual hashes (a blob, see indexing.dedup.hashes).
- `near_pairs` / `near_compared`, `similar_pairs` / `similar_compared`: the pairs found so
  far, and which images have been compared with everything (so an update compares only
  what is new).
- `clusterings` / `cluster_members`: the clusters of each model and who is in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from indexing.store.catalog import Catalog
from indexing.store.dismissals import COPIES_KEPT

MEMBER_COLUMNS = (
    "i.content_id, i.width, i.height, i.bytes, i.date_key, i.taken_at, "
    "(SELECT r.rating FROM ratings r WHERE r.content_id = i.content_id), "
    "(SELECT p.rating FROM predictions p WHERE p.content_id = i.content_id), i.kind"
)
MemberRow = tuple[str, int, int, int, float, str | None, float | None, float | None, str]
PairRow = tuple[str, str, float]
_IN_CHUNK = 500  # ids per IN (...) list


def _marks(ids: Sequence[object]) -> str:
    return ",".join("?" * len(ids))


# Members: what a group's cards show


def member_rows(catalog: Catalog, content_ids: list[str]) -> list[MemberRow]:
    """The card columns (MEMBER_COLUMNS) of these contents that still have a present file."""
    out: list[MemberRow] = []
    for start in range(0, len(content_ids), _IN_CHUNK):
        chunk = content_ids[start : start + _IN_CHUNK]
        out += catalog.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM images i WHERE i.content_id IN ({_marks(chunk)}) "
            "AND i.present_files > 0",
            chunk,
        ).fetchall()
    return out


# The exact tier: contents with two or more present files, but those whose copies are kept

_COPIED = (
    "SELECT content_id FROM files WHERE status = 'present' "
    f"AND content_id NOT IN ({COPIES_KEPT}) GROUP BY content_id HAVING COUNT(*) > 1"
)


def copied_contents(catalog: Catalog) -> list[str]:
    """Every content with copies to group, most copies first."""
    rows = catalog.conn.execute(f"{_COPIED} ORDER BY COUNT(*) DESC, content_id")
    return [row[0] for row in rows]


def copies_kept(catalog: Catalog, content_id: str) -> bool:
    """Whether the user said this content's copies are all kept (a dismissal of one)."""
    row = catalog.conn.execute(f"SELECT 1 WHERE ? IN ({COPIES_KEPT})", (content_id,)).fetchone()
    return row is not None


# Near hashes


def missing_near_hashes(catalog: Catalog) -> list[str]:
    rows = catalog.conn.execute("SELECT content_id FROM images WHERE near_hashes IS NULL")
    return [row[0] for row in rows]


def write_near_hashes(catalog: Catalog, blobs: Iterable[tuple[str, bytes]]) -> None:
    with catalog.transaction() as conn:
        conn.executemany(
            "UPDATE images SET near_hashes = ? WHERE content_id = ?",
            ((blob, content_id) for content_id, blob in blobs),
        )


def near_hash_rows(catalog: Catalog) -> list[tuple[str, bytes]]:
    """Every (content id, near hashes blob), by content id."""
    return catalog.conn.execute(
        "SELECT content_id, near_hashes FROM images WHERE near_hashes IS NOT NULL "
        "ORDER BY content_id"
    ).fetchall()


def near_hashes_of(catalog: Catalog, content_ids: list[str]) -> dict[str, bytes]:
    return dict(
        catalog.conn.execute(
            f"SELECT content_id, near_hashes FROM images WHERE content_id IN "
            f"({_marks(content_ids)}) AND near_hashes IS NOT NULL",
            content_ids,
        ).fetchall()
    )


# The near pairs


def near_waiting(catalog: Catalog) -> int:
    """How many hashed images have not been compared with everything yet."""
    return catalog.conn.execute(
        "SELECT COUNT(*) FROM images i WHERE i.near_hashes IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM near_compared c WHERE c.content_id = i.content_id)"
    ).fetchone()[0]


def near_compared(catalog: Catalog) -> set[str]:
    return {row[0] for row in catalog.conn.execute("SELECT content_id FROM near_compared")}


def add_near_pairs(
    catalog: Catalog, pairs: Iterable[tuple[str, str, int, int]], compared: Iterable[str]
) -> None:
    """Store pairs (a, b, pHash bits, dHash bits) and mark `compared` as done, at once."""
    with catalog.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO near_pairs(a, b, distance, dhash_distance) VALUES (?, ?, ?, ?)",
            pairs,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO near_compared(content_id) VALUES (?)",
            ((content_id,) for content_id in compared),
        )


def near_pairs_within(catalog: Catalog, bits: float) -> list[PairRow]:
    """The pairs of present images within `bits` on both hashes, as (a, b, pHash bits).
    A video and a still (its poster's twin) are never near-identical."""
    return catalog.conn.execute(
        "SELECT p.a, p.b, p.distance FROM near_pairs p JOIN images x ON x.content_id = p.a "
        "JOIN images y ON y.content_id = p.b WHERE x.present_files > 0 AND y.present_files > 0 "
        "AND x.kind = y.kind AND p.distance <= ? AND p.dhash_distance <= ?",
        (bits, bits),
    ).fetchall()


# The similar pairs


def similar_compared(catalog: Catalog, model_id: str) -> set[str]:
    rows = catalog.conn.execute(
        "SELECT content_id FROM similar_compared WHERE model_id = ?", (model_id,)
    )
    return {row[0] for row in rows}


def similar_compared_count(catalog: Catalog, model_id: str) -> int:
    return catalog.conn.execute(
        "SELECT COUNT(*) FROM similar_compared WHERE model_id = ?", (model_id,)
    ).fetchone()[0]


def add_similar_pairs(
    catalog: Catalog,
    model_id: str,
    pairs: Iterable[tuple[str, str, float]],
    compared: Iterable[str],
) -> None:
    with catalog.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO similar_pairs(model_id, a, b, similarity) VALUES (?, ?, ?, ?)",
            ((model_id, a, b, similarity) for a, b, similarity in pairs),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO similar_compared(model_id, content_id) VALUES (?, ?)",
            ((model_id, content_id) for content_id in compared),
        )


def similar_pairs_over(catalog: Catalog, model_id: str, similarity: float) -> list[PairRow]:
    """The pairs of present images at least this similar under the model."""
    return catalog.conn.execute(
        "SELECT p.a, p.b, p.similarity FROM similar_pairs p "
        "JOIN images x ON x.content_id = p.a JOIN images y ON y.content_id = p.b "
        "WHERE p.model_id = ? AND x.present_files > 0 AND y.present_files > 0 "
        "AND p.similarity >= ?",
        (model_id, similarity),
    ).fetchall()


def pair_state(catalog: Catalog, table: str) -> tuple:
    """Changes whenever a grouping of the pairs in `table` (near_pairs or similar_pairs)
    could: pairs added, files trashed, moved or deleted."""
    if table not in ("near_pairs", "similar_pairs"):
        raise ValueError(f"not a pair table: {table}")
    pairs = catalog.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    present = catalog.conn.execute(
        "SELECT COUNT(*), TOTAL(present_files) FROM images WHERE present_files > 0"
    ).fetchone()
    trash = catalog.conn.execute("SELECT COUNT(*), MAX(done_at) FROM trash_log").fetchone()
    return pairs, tuple(present), tuple(trash)


# Clusters


def clustering(catalog: Catalog, model_id: str) -> tuple[int, bytes] | None:
    """(images clustered, centroids blob) of the model's last clustering, if any."""
    return catalog.conn.execute(
        "SELECT images, centroids FROM clusterings WHERE model_id = ?", (model_id,)
    ).fetchone()


def clustered(catalog: Catalog, model_id: str) -> set[str]:
    rows = catalog.conn.execute(
        "SELECT content_id FROM cluster_members WHERE model_id = ?", (model_id,)
    )
    return {row[0] for row in rows}


def replace_clustering(
    catalog: Catalog, model_id: str, clusters: int, images: int, centroids: bytes, at: float
) -> None:
    """Forget the model's members and store its new clustering (members follow)."""
    with catalog.transaction() as conn:
        conn.execute("DELETE FROM cluster_members WHERE model_id = ?", (model_id,))
        conn.execute(
            "INSERT OR REPLACE INTO clusterings(model_id, clusters, images, centroids, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (model_id, clusters, images, centroids, at),
        )


def write_cluster_members(
    catalog: Catalog, model_id: str, members: Iterable[tuple[str, int, float]]
) -> None:
    """(content id, cluster, similarity to its centre) for each member."""
    with catalog.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO cluster_members(model_id, content_id, cluster, similarity) "
            "VALUES (?, ?, ?, ?)",
            ((model_id, cid, cluster, similarity) for cid, cluster, similarity in members),
        )


def cluster_sizes(catalog: Catalog, model_id: str) -> list[tuple[int, int]]:
    """(cluster, present images) of every cluster, largest first."""
    return catalog.conn.execute(
        "SELECT m.cluster, COUNT(*) FROM cluster_members m JOIN images i USING (content_id) "
        "WHERE m.model_id = ? AND i.present_files > 0 GROUP BY m.cluster "
        "ORDER BY COUNT(*) DESC, m.cluster",
        (model_id,),
    ).fetchall()


_PRESENT_MEMBERS = (
    "FROM cluster_members m JOIN images i USING (content_id) "
    "WHERE m.model_id = ? AND m.cluster = ? AND i.present_files > 0"
)


def cluster_size(catalog: Catalog, model_id: str, cluster: int) -> int:
    (size,) = catalog.conn.execute(
        f"SELECT COUNT(*) {_PRESENT_MEMBERS}", (model_id, cluster)
    ).fetchone()
    return int(size)


def cluster_nearest(catalog: Catalog, model_id: str, cluster: int, limit: int) -> list[str]:
    """The cluster's present members nearest its centre, nearest first."""
    rows = catalog.conn.execute(
        f"SELECT m.content_id {_PRESENT_MEMBERS} ORDER BY m.similarity DESC LIMIT ?",
        (model_id, cluster, limit),
    )
    return [row[0] for row in rows]


def cluster_of(catalog: Catalog, model_id: str, content_id: str) -> int | None:
    row = catalog.conn.execute(
        "SELECT cluster FROM cluster_members WHERE model_id = ? AND content_id = ?",
        (model_id, content_id),
    ).fetchone()
    return None if row is None else int(row[0])

"""Duplicate tiers end to end: find, keep the best, trash the rest, and what must hold."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
from PIL import Image

from indexing.library import Library
from indexing.settings import Settings
from indexing.store.vectors import VectorStore
from tests.conftest import fails
from tests.library_builder import smooth_image
from tests.planted_duplicates import planted

MEMBER_KEYS = {"path", "paths", "content_id", "width", "height", "bytes", "rating", "distance"}


def names(group: dict) -> set[str]:
    return {Path(m["path"]).name for m in group["members"]}


def test_near_tier_groups_the_planted_copies_only(cli, library) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    near = cli("duplicates", "--tier", "near")
    assert near["tier"] == "near" and near["threshold"] == 10
    [group] = near["groups"]
    expected = {files[k].name for k in ("original", "small", "q30", "bright", "rotated", "mirror")}
    assert names(group) == expected  # the crop is the similar tier's, the rest unrelated
    for member in group["members"]:
        assert set(member) >= MEMBER_KEYS
    assert group["keeper"] in {m["path"] for m in group["members"]}


def test_exact_tier_lists_every_copy_once_with_all_its_paths(cli, library) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    [group] = cli("duplicates", "--tier", "exact")["groups"]
    assert {m["path"] for m in group["members"]} == {str(files["other0"]), str(files["copy"])}
    for member in group["members"]:
        assert sorted(member["paths"]) == sorted([str(files["other0"]), str(files["copy"])])
    near = cli("duplicates", "--tier", "near")["groups"]
    assert all(len({m["content_id"] for m in g["members"]}) == len(g["members"]) for g in near)


def test_keeper_order_rating_then_prediction_then_pixels_then_size(cli, library, tmp_path) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    [group] = cli("duplicates", "--tier", "near")["groups"]
    biggest = max(group["members"], key=lambda m: (m["width"] * m["height"], m["bytes"]))
    assert group["keeper"] == biggest["path"]  # nobody rated: pixels, then file size
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    with conn:
        conn.execute(
            "INSERT INTO predictions(content_id, rating, model_id, at) SELECT content_id, 9, "
            "'test', 0 FROM files WHERE path = ?",
            (str(files["q30"]),),
        )
    conn.close()
    assert cli("duplicates", "--tier", "near")["groups"][0]["keeper"] == str(files["q30"])
    cli("rate", str(files["small"]), "6")  # yours beats any prediction
    assert cli("duplicates", "--tier", "near")["groups"][0]["keeper"] == str(files["small"])


def test_keeping_the_keeper_trashes_the_rest_and_passes_on_ratings(cli, library, tmp_path) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(files["q30"]), "3")
    cli("rate", str(files["mirror"]), "8")
    cli("prefer", str(files["mirror"]), str(files["other1"]))
    settings = Settings(data_dir=tmp_path / "data")
    from indexing.curate.keep_best import keep_one
    from indexing.query.duplicates import find_groups

    library_ = Library(settings)
    [group] = find_groups(library_, "near").groups
    keeper = next(n for n, m in enumerate(group.members) if m.path == str(files["original"]))
    with library_.open_catalog() as catalog:
        report = keep_one(catalog, group, keeper)
    assert len(report.moved) == 5 and report.problems == []
    assert files["original"].exists() and not files["mirror"].exists()
    listed = {Path(i["path"]).name: i["rating"] for i in cli("list")["items"]}
    assert listed["original.jpg"] == 8.0  # the most recent rating of the images it replaced
    assert cli("duplicates", "--tier", "near")["groups"] == []  # trashed images leave groups
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    inherited = conn.execute("SELECT COUNT(*) FROM preferences WHERE source = 'inherited'")
    assert inherited.fetchone()[0] == 1
    conn.close()
    cli("trash", "restore", "--all")
    [back] = cli("duplicates", "--tier", "near")["groups"]
    assert len(back["members"]) == 6


def test_every_cluster_reads_the_sizes_once_and_no_count_per_cluster(
    cli, library, tmp_path, monkeypatch
) -> None:
    for n in range(10):
        library.save(f"shot{n}.jpg", smooth_image((200, 150), seed=n), quality=90)
    cli("index", str(library.root), "--no-embed")
    plant_vectors(tmp_path, library.root, [])
    from indexing.query.duplicates import every_group
    from indexing.store import catalog as catalog_module

    statements: list[str] = []
    connect = catalog_module._connect

    def traced(path):
        conn = connect(path)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(catalog_module, "_connect", traced)
    total, groups = every_group(Library(Settings(data_dir=tmp_path / "data")), "clusters")
    listed = list(groups)
    assert total == len(listed) >= 2 and sum(g.size for g in listed) == 10
    sizes = [s for s in statements if "GROUP BY m.cluster" in s]
    counted = [s for s in statements if s.startswith("SELECT COUNT(*) FROM cluster_members")]
    assert len(sizes) == 1 and counted == []  # --all: one read of the sizes, no count each


def test_undo_after_keep_gives_back_what_the_keeper_inherited(cli, library, tmp_path) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(files["mirror"]), "8")
    cli("prefer", str(files["mirror"]), str(files["other1"]))
    cli("prefer", str(files["original"]), str(files["other2"]))  # the keeper's own say
    from indexing.curate.keep_best import keep_one, undo_keep
    from indexing.query.duplicates import find_groups

    library_ = Library(Settings(data_dir=tmp_path / "data"))
    [group] = find_groups(library_, "near").groups
    keeper = next(n for n, m in enumerate(group.members) if m.path == str(files["original"]))
    before = {Path(i["path"]).name: i["rating"] for i in cli("list")["items"]}
    with library_.open_catalog() as catalog:
        report = keep_one(catalog, group, keeper)
    assert {Path(i["path"]).name: i["rating"] for i in cli("list")["items"]}["original.jpg"] == 8
    with library_.open_catalog() as catalog:
        restored = undo_keep(catalog, report)
    assert len(restored.moved) == 5 and files["mirror"].exists()
    after = {Path(i["path"]).name: i["rating"] for i in cli("list")["items"]}
    assert after == before and after["original.jpg"] is None and after["mirror.webp"] == 8
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    sources = conn.execute("SELECT source FROM preferences ORDER BY source").fetchall()
    conn.close()
    assert sources == [("user",), ("user",)]  # the inherited pair went, both of the user's stay


def test_undo_after_keep_leaves_a_rating_given_to_the_keeper_since(cli, library, tmp_path) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(files["mirror"]), "8")
    from indexing.curate.keep_best import keep_one, undo_keep
    from indexing.query.duplicates import find_groups

    library_ = Library(Settings(data_dir=tmp_path / "data"))
    [group] = find_groups(library_, "near").groups
    keeper = next(n for n, m in enumerate(group.members) if m.path == str(files["original"]))
    with library_.open_catalog() as catalog:
        report = keep_one(catalog, group, keeper)
    cli("rate", str(files["original"]), "5")
    with library_.open_catalog() as catalog:
        undo_keep(catalog, report)
    listed = {Path(i["path"]).name: i["rating"] for i in cli("list")["items"]}
    assert listed["original.jpg"] == 5 and listed["mirror.webp"] == 8


def test_new_images_join_their_group_on_the_next_run(cli, library, tmp_path) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    cli("duplicates", "--tier", "near")
    original = Image.open(files["original"])
    library.save("later/tiny.png", original.resize((160, 120)))
    cli("index", str(library.root), "--no-embed")
    [group] = cli("duplicates", "--tier", "near")["groups"]
    assert "tiny.png" in names(group) and len(group["members"]) == 7


def test_near_hashes_of_an_old_catalog_come_from_its_thumbnails(cli, library, tmp_path) -> None:
    planted(library)
    cli("index", str(library.root), "--no-embed")
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    with conn:
        conn.execute("UPDATE images SET near_hashes = NULL")  # as after migration 8
    conn.close()
    for original in library.root.rglob("*.*"):
        original.chmod(0)  # never read: only the thumbnails are
    try:
        [group] = cli("duplicates", "--tier", "near")["groups"]
    finally:
        for original in library.root.rglob("*.*"):
            original.chmod(0o644)
    assert len(group["members"]) == 6


def plant_vectors(tmp_path: Path, library_root: Path, groups: list[list[str]]) -> None:
    """Give the images chosen vectors: each group nearly one direction, the rest apart."""
    settings = Settings(data_dir=tmp_path / "data")
    pictor = Library(settings)
    with pictor.open_catalog() as catalog:
        rows = catalog.conn.execute("SELECT path, content_id FROM files").fetchall()
    ids = {Path(path).name: cid for path, cid in rows}
    rng = np.random.default_rng(0)
    vectors = {name: rng.normal(size=64) for name in ids}
    for group in groups:
        for name in group[1:]:
            vectors[name] = vectors[group[0]] + rng.normal(scale=0.15, size=64)
    names_ = sorted(ids)
    matrix = np.stack([vectors[n] / np.linalg.norm(vectors[n]) for n in names_]).astype(np.float32)
    VectorStore.embedded(settings.vectors_dir).upsert(
        pictor.model_id, [ids[n] for n in names_], matrix
    )


def test_similar_and_clusters_tiers_from_the_vectors(cli, library, tmp_path) -> None:
    for n in range(10):
        library.save(f"shot{n}.jpg", smooth_image((200, 150), seed=n), quality=90)
    cli("index", str(library.root), "--no-embed")
    plant_vectors(
        tmp_path,
        library.root,
        [["shot0.jpg", "shot1.jpg", "shot2.jpg"], ["shot5.jpg", "shot6.jpg"]],
    )
    similar = cli("duplicates", "--tier", "similar", "--threshold", "0.85")
    assert sorted(len(g["members"]) for g in similar["groups"]) == [2, 3]
    assert names(similar["groups"][0]) == {"shot0.jpg", "shot1.jpg", "shot2.jpg"}  # largest first
    for member in similar["groups"][0]["members"]:
        assert 0 <= member["distance"] <= 0.15  # 1 - cosine to the keeper
    clusters = cli("duplicates", "--tier", "clusters")
    assert sum(g["size"] for g in clusters["groups"]) == 10
    assert all(len(g["members"]) <= 8 for g in clusters["groups"])


def test_bad_duplicate_requests_say_why(run_cli, cli, library, tmp_path) -> None:
    assert cli("duplicates", "--tier", "exact")["groups"] == []  # an empty library
    planted(library)
    cli("index", str(library.root), "--no-embed")
    assert "from 0 to 11" in fails(
        run_cli, tmp_path, "duplicates", "--tier", "near", "--threshold", "40"
    )
    assert "from 0.8 to 1.0" in fails(
        run_cli, tmp_path, "duplicates", "--tier", "similar", "--threshold", "2"
    )
    assert "no threshold" in fails(
        run_cli, tmp_path, "duplicates", "--tier", "exact", "--threshold", "3"
    )
    message = fails(run_cli, tmp_path, "duplicates", "--tier", "similar")
    assert "No image has a CLIP vector" in message and "CLIP weights" in message
    assert "No image has a CLIP vector" in fails(
        run_cli, tmp_path, "duplicates", "--tier", "clusters"
    )


def test_the_duplicates_of_one_image_come_from_its_closest_tier(
    run_cli, cli, library, tmp_path
) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    exact = cli("duplicates", "--of", str(files["copy"]))
    assert exact["tier"] == "exact" and [names(g) for g in exact["groups"]] == [
        {"copy.jpg", "other0.jpg"}
    ]
    near = cli("duplicates", "--of", str(files["rotated"]))
    assert near["tier"] == "near"
    assert names(near["groups"][0]) == {
        files[k].name for k in ("original", "small", "q30", "bright", "rotated", "mirror")
    }
    alone = cli("duplicates", "--of", str(files["other3"]))
    assert alone["groups"] == []
    assert "no exact copies, near-identical or similar images" in alone["notes"][0]
    assert "No image has a CLIP vector" in alone["notes"][1]  # why similar was not asked
    stranger = library.write("../not-indexed.jpg", files["other1"].read_bytes())
    assert "not in the library" in fails(run_cli, tmp_path, "duplicates", "--of", str(stranger))
    files["small"].unlink()  # deleted since the last index: the catalog still lists it
    message = fails(run_cli, tmp_path, "duplicates", "--of", str(files["small"]))
    assert message == f"error: no such file: {files['small']}"
    assert cli("duplicates", "--of", str(files["copy"]))["groups"]  # the rest still answers

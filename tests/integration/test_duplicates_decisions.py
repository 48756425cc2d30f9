"""What the user decides about duplicate groups, and reading every group at once.

"Not duplicates" (a group, or one member of it) holds through renames, re-indexing and
threshold changes until reset; `--all` returns every group as one streamed document; a
video and a still are never near-identical, and keeping one never trashes the other kind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import fails
from tests.integration.test_duplicates import names, plant_vectors, planted
from tests.library_builder import smooth_image

NEAR = {"original", "small", "q30", "bright", "rotated", "mirror"}


def test_a_dismissed_near_group_stays_hidden_through_renames_reindex_and_thresholds(
    cli, library
) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    assert len(cli("duplicates", "--tier", "near")["groups"]) == 1
    made = cli("duplicates", "--tier", "near", "--dismiss", "1")["dismissed"]
    assert len(made) == 1 and len(made[0]["content_ids"]) == 6
    assert cli("duplicates", "--tier", "near")["groups"] == []
    files["original"].rename(files["original"].with_name("renamed.jpg"))  # and re-indexed
    shutil.move(files["small"], library.root / "sub" / "small moved.jpg")
    cli("index", str(library.root), "--no-embed")
    for threshold in ("4", "10", "11"):
        assert cli("duplicates", "--tier", "near", "--threshold", threshold)["groups"] == []
    [decision] = cli("duplicates", "--show-dismissed")["dismissed"]
    assert any(p.endswith("renamed.jpg") for p in decision["paths"])
    assert cli("duplicates", "--reset-dismissed", str(decision["id"]))["reset"] == 1
    [group] = cli("duplicates", "--tier", "near")["groups"]
    assert len(group["members"]) == 6


def test_a_member_dismissed_leaves_its_group_and_a_new_duplicate_still_groups(cli, library) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    cli("duplicates", "--tier", "near", "--dismiss", str(files["q30"]))
    [group] = cli("duplicates", "--tier", "near")["groups"]
    assert names(group) == {files[k].name for k in NEAR - {"q30"}}  # the others stay
    assert cli("duplicates", "--tier", "near", "--of", str(files["q30"]))["groups"] == []
    cli("duplicates", "--tier", "near", "--dismiss", "1")
    assert cli("duplicates", "--tier", "near")["groups"] == []  # all mutually dismissed
    original = smooth_image((640, 480), seed=100)
    library.save("later/new copy.png", original.resize((400, 300)))  # a true duplicate later
    cli("index", str(library.root), "--no-embed")
    [group] = cli("duplicates", "--tier", "near")["groups"]
    assert "new copy.png" in names(group) and len(group["members"]) >= 2


def test_exact_copies_kept_and_images_dismissed_by_path_then_reset_all(
    run_cli, cli, library, tmp_path
) -> None:
    files = planted(library)
    cli("index", str(library.root), "--no-embed")
    assert len(cli("duplicates", "--tier", "exact")["groups"]) == 1
    cli("duplicates", "--dismiss", str(files["copy"]))  # one copy: the copies are all kept
    assert cli("duplicates", "--tier", "exact")["groups"] == []
    assert cli("duplicates", "--of", str(files["copy"]))["groups"] == []
    cli("duplicates", "--dismiss", str(files["original"]), str(files["mirror"]))
    [group] = cli("duplicates", "--tier", "near")["groups"]
    assert files["mirror"].name in names(group)  # still near the others, through them
    assert len(cli("duplicates", "--show-dismissed")["dismissed"]) == 2
    assert cli("duplicates", "--reset-dismissed", "all")["reset"] == 2
    assert len(cli("duplicates", "--tier", "exact")["groups"]) == 1
    assert "no group 5" in fails(
        run_cli, tmp_path, "duplicates", "--tier", "exact", "--dismiss", "5"
    )
    assert "no dismissal 99" in fails(run_cli, tmp_path, "duplicates", "--reset-dismissed", "99")


def test_clusters_have_nothing_to_dismiss(run_cli, cli, library, tmp_path) -> None:
    for n in range(6):
        library.save(f"shot{n}.jpg", smooth_image((200, 150), seed=n), quality=90)
    cli("index", str(library.root), "--no-embed")
    plant_vectors(tmp_path, library.root, [["shot0.jpg", "shot1.jpg"]])
    message = fails(run_cli, tmp_path, "duplicates", "--tier", "clusters", "--dismiss", "1")
    assert "clusters are for browsing" in message


def test_of_with_the_clusters_tier_answers_its_cluster(cli, library, tmp_path) -> None:
    for n in range(10):
        library.save(f"shot{n}.jpg", smooth_image((200, 150), seed=n), quality=90)
    cli("index", str(library.root), "--no-embed")
    plant_vectors(tmp_path, library.root, [["shot0.jpg", "shot1.jpg", "shot2.jpg"]])
    mine = library.root / "shot0.jpg"
    found = cli("duplicates", "--of", str(mine), "--tier", "clusters")
    assert found["tier"] == "clusters"
    [group] = found["groups"]
    every = cli("duplicates", "--tier", "clusters")["groups"]
    holding = [g for g in every if str(mine) in {m["path"] for m in g["members"]}]
    assert group["size"] == holding[0]["size"]  # the whole cluster it is in
    assert group["members"][0]["path"] == str(mine)
    similar = cli("duplicates", "--of", str(mine), "--tier", "similar", "--threshold", "0.85")
    assert similar["tier"] == "similar" and names(similar["groups"][0]) == {
        "shot0.jpg",
        "shot1.jpg",
        "shot2.jpg",
    }


def test_all_returns_every_group_in_one_document(run_cli, library, tmp_path) -> None:
    for n in range(23):  # more than two pages of groups
        first = library.save(f"a/{n}.jpg", smooth_image((64, 48), seed=n), quality=90)
        library.write(f"b/{n}.jpg", first.read_bytes())
    data = ["--data-dir", str(tmp_path / "data")]
    assert run_cli([*data, "index", str(library.root), "--no-embed"])[0] == 0
    code, out, err = run_cli([*data, "duplicates", "--all", "--json"])
    assert code == 0, err
    document = json.loads(out)
    assert document["total_groups"] == 23 and len(document["groups"]) == 23
    assert {names(g).pop() for g in document["groups"]} == {f"{n}.jpg" for n in range(23)}
    code, out, _ = run_cli([*data, "duplicates", "--all"])
    assert out.count("group ") == 23 and out.strip().endswith("23 groups")
    code, out, _ = run_cli([*data, "duplicates", "--page", "2"])  # 20 groups a page
    assert out.startswith("group 21:") and "group 23:" in out and "group 20:" not in out
    code, out, _ = run_cli([*data, "duplicates", "--json"])
    page = json.loads(out)
    assert len(page["groups"]) == 20 and page["pages"] == 2 and page["total_groups"] == 23


def test_dismiss_takes_several_group_numbers(run_cli, library, tmp_path) -> None:
    for n in range(5):
        first = library.save(f"a/{n}.jpg", smooth_image((64, 48), seed=n), quality=90)
        library.write(f"b/{n}.jpg", first.read_bytes())
    data = ["--data-dir", str(tmp_path / "data")]
    assert run_cli([*data, "index", str(library.root), "--no-embed"])[0] == 0
    listed = json.loads(run_cli([*data, "duplicates", "--json"])[1])["groups"]
    code, out, err = run_cli([*data, "duplicates", "--dismiss", "3", "4", "--json"])
    assert code == 0, err
    made = json.loads(out)["dismissed"]
    assert len(made) == 2  # one decision per group, both numbered as listed before either
    assert [sorted(d["paths"]) for d in made] == [
        sorted(m["path"] for m in listed[n]["members"]) for n in (2, 3)
    ]
    left = json.loads(run_cli([*data, "duplicates", "--json"])[1])["groups"]
    assert left == [listed[0], listed[1], listed[4]]


def _still_and_video(library) -> tuple[Path, Path]:
    """A photo, and a short video whose every frame is that photo."""
    import av
    import numpy as np

    picture = smooth_image((160, 96), seed=11)
    photo = library.save("photo.jpg", picture, quality=92)
    video = library.path("clip.mp4")
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for _ in range(10):
            frame = av.VideoFrame.from_ndarray(np.asarray(picture), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return photo, video


def test_a_video_and_the_photo_of_its_frame_are_not_near_identical(cli, library) -> None:
    photo, _ = _still_and_video(library)
    cli("index", str(library.root), "--no-embed")
    assert cli("duplicates", "--tier", "near")["groups"] == []
    assert cli("duplicates", "--of", str(photo))["groups"] == []


def test_keeping_a_photo_never_trashes_a_video_grouped_with_it(cli, library, tmp_path) -> None:
    from indexing.curate.keep_best import keep_one
    from indexing.library import Library
    from indexing.query.duplicates import Group, files_replaced, members_of
    from indexing.settings import Settings

    photo, video = _still_and_video(library)
    library.save("photo small.jpg", smooth_image((160, 96), seed=11).resize((80, 48)))
    cli("index", str(library.root), "--no-embed")
    pictor = Library(Settings(data_dir=tmp_path / "data"))
    with pictor.open_catalog() as catalog:  # as the similar tier may group them
        ids = [r[0] for r in catalog.conn.execute("SELECT content_id FROM images")]
        cards = members_of(catalog, ids)
        group = Group(sorted(cards.values(), key=lambda m: m.path != str(photo)))
        assert files_replaced(group) == 1
        report = keep_one(catalog, group)
    assert [Path(e.original_path).name for e in report.moved] == ["photo small.jpg"]
    assert video.exists() and photo.exists()

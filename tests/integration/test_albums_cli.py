"""`album`, `tag` and `caption` end to end: what the user organised survives renames, moves,
re-indexing, the trash and a backup into a fresh data folder; the --album and --tag filters,
album: and tag: in find, captions found by their words, the tag facet, one-line refusals,
and keywords read from digiKam and Lightroom sidecars and from an image's own XMP."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import fails
from tests.library_builder import noise_image

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
DIGIKAM_SIDECAR = f"""<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}>
 <rdf:Description rdf:about="" xmlns:digiKam="http://www.digikam.org/ns/1.0/"
   xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
   xmp:Rating="4">
  <digiKam:TagsList><rdf:Seq><rdf:li>Places/Portugal/Lisbon</rdf:li>
   <rdf:li>People/Ana</rdf:li></rdf:Seq></digiKam:TagsList>
  <dc:subject><rdf:Bag><rdf:li>Lisbon</rdf:li><rdf:li>Ana</rdf:li>
   <rdf:li>tram</rdf:li></rdf:Bag></dc:subject>
 </rdf:Description></rdf:RDF></x:xmpmeta>
"""
LIGHTROOM_SIDECAR = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}>
 <rdf:Description rdf:about="" xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
   xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:subject><rdf:Bag><rdf:li>Porto</rdf:li><rdf:li>Portugal</rdf:li>
   <rdf:li>Places</rdf:li></rdf:Bag></dc:subject>
  <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Portugal|Porto</rdf:li>
   </rdf:Bag></lr:hierarchicalSubject>
  <dc:description><rdf:Alt><rdf:li xml:lang="de">Brücke</rdf:li>
   <rdf:li xml:lang="x-default">Dom Luis bridge at dusk</rdf:li></rdf:Alt></dc:description>
 </rdf:Description></rdf:RDF></x:xmpmeta>
"""
EMBEDDED = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}>
 <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:subject><rdf:Bag><rdf:li>scanned</rdf:li></rdf:Bag></dc:subject>
  <dc:description><rdf:Alt><rdf:li xml:lang="x-default">Grandma's garden</rdf:li>
  </rdf:Alt></dc:description>
 </rdf:Description></rdf:RDF></x:xmpmeta>
"""


def names(items: list[dict]) -> set[str]:
    return {Path(item["path"]).name for item in items}


def test_albums_tags_and_captions_survive_moves_the_trash_and_a_backup(
    cli, run_cli, library, tmp_path
):
    a, b, c = (library.noise(f"{n}.jpg", seed=i) for i, n in enumerate("abc", start=1))
    library.noise("d.jpg", seed=4)
    cli("index", str(library.root), "--no-embed")
    made = cli("album", "create", "Trips/Summer 2024")
    assert (made["folder"], made["name"]) == ("Trips", "Summer 2024")
    added = cli("album", "add", "Summer 2024", str(a), str(b))
    assert (added["changed"], added["album"]["count"]) == (2, 2)
    assert cli("tag", "add", "Places/Portugal/Lisbon", str(a), str(c))["changed"] == 2
    assert cli("caption", str(b), "Tram 28 climbing to the castle")["caption"].startswith("Tram")

    def listed(*flags: str) -> set[str]:
        return names(cli("list", *flags)["items"])

    assert listed("--album", "Summer 2024") == {"a.jpg", "b.jpg"}
    assert listed("--tag", "places/portugal") == {"a.jpg", "c.jpg"}  # a parent, any case
    assert listed("--album", "Trips/Summer 2024", "--tag", "Places") == {"a.jpg"}
    assert names(cli("find", 'album:"Summer 2024"')["items"]) == {"a.jpg", "b.jpg"}
    assert names(cli("find", "tag:Places/Portugal")["items"]) == {"a.jpg", "c.jpg"}
    assert names(cli("find", "castle")["items"]) == {"b.jpg"}  # the caption's words
    assert names(cli("find", 'castle album:"Summer 2024"')["items"]) == {"b.jpg"}
    facet = next(f for f in cli("facets")["facets"] if f["name"] == "tag")
    assert {v["value"]: v["count"] for v in facet["values"]} == {
        "Places": 2, "Places/Portugal": 2, "Places/Portugal/Lisbon": 2,
    }  # fmt: skip
    facets = cli("facets", "--album", "Summer 2024")["facets"]
    in_album = next(f for f in facets if f["name"] == "tag")
    assert {v["value"]: v["count"] for v in in_album["values"]}["Places"] == 1

    # A rename and a move on disk, then a re-index: same content, same album, tag, caption.
    moved = library.path("2024/renamed-a.jpg")
    a.rename(moved)
    cli("index", str(library.root), "--no-embed")
    shown = cli("album", "show", "Summer 2024")
    assert names(shown["items"]) == {"renamed-a.jpg", "b.jpg"}
    assert cli("tag", "list", str(moved))["tags"] == ["Places/Portugal/Lisbon"]

    # The trash hides an image from its album; adding it is refused; restoring brings it back.
    cli("trash", str(b))
    assert cli("album", "list")["albums"][0]["count"] == 1
    trashed = next(i["content_id"] for i in shown["items"] if i["path"].endswith("b.jpg"))
    refused = fails(run_cli, tmp_path, "album", "add", "Summer 2024", "--id", trashed)
    assert "in the trash" in refused
    cli("trash", "restore", str(b))
    assert listed("--album", "Summer 2024") == {"renamed-a.jpg", "b.jpg"}
    assert cli("caption", str(b))["caption"] == "Tram 28 climbing to the castle"

    # Backup: everything the user made, into a fresh data folder, then indexed again.
    backup = tmp_path / "backup.json"
    wrote = cli("ratings", "export", str(backup))
    assert (wrote["albums"], wrote["tags"], wrote["captions"]) == (1, 2, 1)
    shutil.rmtree(tmp_path / "data")
    report = cli("ratings", "import", str(backup))
    assert (report["albums_added"], report["album_items_added"], report["tags_added"]) == (1, 2, 2)
    assert report["captions_added"] == 1
    cli("index", str(library.root), "--no-embed")
    assert listed("--album", "Trips/Summer 2024") == {"renamed-a.jpg", "b.jpg"}
    assert listed("--tag", "Places") == {"renamed-a.jpg", "c.jpg"}
    assert names(cli("find", "castle")["items"]) == {"b.jpg"}
    again = cli("ratings", "import", str(backup))  # idempotent
    assert (again["albums_added"], again["album_items_added"], again["tags_added"]) == (0, 0, 0)

    # Rename, then delete: the photos stay.
    assert cli("album", "rename", "Summer 2024", "Best of 2024")["path"] == "Trips/Best of 2024"
    assert cli("album", "delete", "Trips/Best of 2024")["deleted"]["count"] == 2
    assert cli("album", "list")["albums"] == []
    assert len(cli("list")["items"]) == 4


def test_bad_input_is_one_line_and_changes_nothing(cli, run_cli, library, tmp_path):
    a = library.noise("a.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("album", "create", "Kept")
    cli("album", "add", "Kept", str(a))
    before = cli("album", "list")
    cases = {
        ("album", "create", ""): "cannot be empty",
        ("album", "create", "x" * 201): "at most 200",
        ("album", "create", "kept"): "already an album",
        ("album", "add", "Nope", str(a)): "no album named 'Nope'",
        ("album", "add", "Kept"): "name the images",
        ("album", "add", "Kept", "--id", "0" * 32): "in the trash or not in the library",
        ("album", "rename", "Kept", "a/"): "'/' at its start or end",
        ("tag", "add", "/Places", str(a)): "'/' at its start or end",
        ("tag", "add", "Places//Lisbon", str(a)): "empty part",
        ("tag", "remove", "Never", str(a)): "no tag 'Never'",
        ("list", "--album", "Nope"): "no album named 'Nope'",
        ("list", "--tag", "Nowhere"): "no tag 'Nowhere'",
        ("find", "album:Nope"): "no album named 'Nope'",
        ("caption", str(a), "x", "--clear"): "not both",
    }
    said = {args: fails(run_cli, tmp_path, *args) for args in cases}
    assert {args: expected in said[args] for args, expected in cases.items()} == dict.fromkeys(
        cases, True
    ), said
    assert cli("album", "list") == before
    assert cli("tag", "list")["tags"] == []


def test_keywords_and_captions_come_in_from_digikam_lightroom_and_embedded_xmp(cli, library):
    library.noise("lisbon.jpg", seed=1)
    library.write("lisbon.jpg.xmp", DIGIKAM_SIDECAR.encode())  # digiKam: photo.jpg.xmp
    library.noise("porto.jpg", seed=2)
    library.write("porto.xmp", LIGHTROOM_SIDECAR.encode())  # Lightroom: photo.xmp
    library.save("garden.jpg", noise_image(seed=3), xmp=EMBEDDED.encode())  # in the file
    cli("index", str(library.root), "--no-embed")
    lisbon, porto, garden = (
        str(library.root / n) for n in ("lisbon.jpg", "porto.jpg", "garden.jpg")
    )
    # Flat dc:subject words that name a part of a hierarchical tag are that tag, not another.
    assert cli("tag", "list", lisbon)["tags"] == ["People/Ana", "Places/Portugal/Lisbon", "tram"]
    assert cli("tag", "list", porto)["tags"] == ["Places/Portugal/Porto"]
    assert cli("tag", "list", garden)["tags"] == ["scanned"]
    assert cli("caption", porto)["caption"] == "Dom Luis bridge at dusk"  # x-default
    assert cli("caption", garden)["caption"] == "Grandma's garden"
    counts = {t["tag"]: t["count"] for t in cli("tag", "list")["tags"]}
    assert counts["Places/Portugal"] == 2 and counts["People"] == 1
    assert names(cli("find", "bridge")["items"]) == {"porto.jpg"}
    assert names(cli("list", "--tag", "Places/Portugal")["items"]) == {"lisbon.jpg", "porto.jpg"}

    # The user's own tag and caption stay when the sidecar changes; XMP's follow it.
    cli("tag", "add", "Favourites", porto)
    cli("caption", porto, "My caption")
    changed = LIGHTROOM_SIDECAR.replace("Porto", "Gaia")  # as Lightroom rewrites both
    library.write("porto.xmp", changed.encode())
    cli("index", str(library.root), "--no-embed")
    assert cli("tag", "list", porto)["tags"] == ["Favourites", "Places/Portugal/Gaia"]
    assert cli("caption", porto)["caption"] == "My caption"


def test_semantic_search_inside_an_album_and_a_tag(cli, library):
    paths = [str(library.noise(f"s{n}.jpg", seed=n)) for n in range(5)]
    cli("index", str(library.root))  # with the tiny CLIP's embeddings
    cli("album", "create", "Two")
    cli("album", "add", "Two", paths[1], paths[3])
    cli("tag", "add", "Kids/Ana", paths[0], paths[3])
    found = cli("search", "a cat", "--album", "Two", "--top", "10")["results"]
    assert names(found) == {"s1.jpg", "s3.jpg"}
    found = cli("search", "a cat", "--tag", "Kids", "--album", "Two", "--top", "10")["results"]
    assert names(found) == {"s3.jpg"}

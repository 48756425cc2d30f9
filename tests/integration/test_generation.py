"""An indexed AI image's detail gives its generation settings, place, subjects and date source
(the parsing itself: tests/unit/test_generation.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from app.detail_panel import about_markdown
from indexing.query import details
from tests.library_builder import LibraryBuilder, smooth_image
from tests.unit.test_generation import A1111, INVOKEAI


def ai_library(library: LibraryBuilder, hostile: str = "http://127.0.0.1:9") -> dict[str, Path]:
    """An A1111 PNG (with markup in its prompt and settings), an InvokeAI PNG, and a photo."""
    parameters = A1111.replace("masterpiece", f"![p]({hostile}/z) *masterpiece*").replace(
        "Model: dreamshaper_8", f"Model: <img src={hostile}/m>"
    )
    a1111 = PngInfo()
    a1111.add_text("parameters", parameters)
    invoke = PngInfo()
    invoke.add_text("invokeai_metadata", json.dumps(INVOKEAI))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2023:07:14 18:03:22"
    return {
        "a1111": library.save("a1111.png", smooth_image((96, 64), seed=1), pnginfo=a1111),
        "invoke": library.save("invoke.png", smooth_image((96, 64), seed=2), pnginfo=invoke),
        "photo": library.save("beach.jpg", smooth_image((96, 64), seed=3), exif=exif),
    }


def place_and_subjects(catalog_path: Path, content_id: str) -> None:
    """Lisbon and two subjects for one image, as the gazetteer and the tagger would store them."""
    conn = sqlite3.connect(catalog_path)
    with conn:
        conn.execute(
            "UPDATE images SET place_city = 'Lisbon', place_region = 'Lisbon', place_cc = 'PT', "
            "place_country = 'Portugal' WHERE content_id = ?",
            (content_id,),
        )
        conn.execute("DELETE FROM subjects WHERE content_id = ?", (content_id,))
        conn.executemany(
            "INSERT INTO subjects(content_id, tag, score) VALUES (?, ?, ?)",
            [(content_id, "sunset", 0.27), (content_id, "beach", 0.31)],
        )
    conn.close()


def test_detail_has_generation_place_subjects_and_date_source(pictor, library) -> None:
    files = ai_library(library)
    pictor.index(library.root)
    ids = {name: pictor.image_for(path)["content_id"] for name, path in files.items()}
    place_and_subjects(pictor.settings.catalog_path, ids["photo"])

    with pictor.library.open_catalog() as catalog:
        shown = {name: details.image_detail(catalog, cid) for name, cid in ids.items()}

    a1111 = shown["a1111"]["generation"]
    assert a1111["tool"] == "A1111" and a1111["seed"] == 3055418921
    assert a1111["negative_prompt"].startswith("lowres, bad anatomy")
    assert shown["invoke"]["generation"]["model"] == "Juggernaut XL v9"
    photo = shown["photo"]
    assert photo["generation"] is None
    assert photo["place"] == {
        "city": "Lisbon",
        "region": "Lisbon",
        "country_code": "PT",
        "country": "Portugal",
    }
    assert photo["subjects"] == ["beach", "sunset"]  # the most confident first
    assert (photo["day"], photo["date_source"]) == ("2023-07-14", "exif")
    assert shown["a1111"]["date_source"] == "file" and shown["a1111"]["place"] is None
    assert about_markdown(photo).startswith("Date: ")
    assert "(file date)" in about_markdown(shown["a1111"])

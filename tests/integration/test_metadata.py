"""Metadata in the catalog: EXIF, GPS, orientation, and AI-generation prompts."""

from __future__ import annotations

import json

from PIL import Image, TiffImagePlugin
from PIL.PngImagePlugin import PngInfo

from tests.library_builder import noise_image, smooth_image

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
A1111_PARAMETERS = (
    "a lighthouse on a cliff, golden hour, <lora:film:0.6>\n"
    "Negative prompt: blurry, lowres, watermark\n"
    "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x512"
)


def rational(value: float) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * 1000), 1000)


def dms(degrees: int, minutes: int, seconds: float) -> tuple:
    return (rational(degrees), rational(minutes), rational(seconds))


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "FUJIFILM"  # Make
    exif[0x0110] = "X-T4"  # Model
    exif[0x0112] = orientation
    exif_ifd = exif.get_ifd(EXIF_IFD)
    exif_ifd[0x9003] = "2023:07:14 18:03:22"  # DateTimeOriginal
    exif_ifd[0xA434] = "XF16-80mmF4 R OIS WR"  # LensModel
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "S", dms(33, 51, 25.2)  # Sydney: 33°51'25.2" S
    gps[3], gps[4] = "W", dms(70, 30, 36.0)  # 70°30'36" W
    gps[5], gps[6] = b"\x00", rational(58.5)  # 58.5 m above sea level
    return exif


def test_jpeg_exif_camera_date_lens_and_gps(pictor, library) -> None:
    photo = library.save("camera.jpg", smooth_image((160, 120)), exif=camera_exif())

    pictor.index(library.root)

    row = pictor.image_for(photo)
    assert row["camera_make"] == "FUJIFILM"
    assert row["camera_model"] == "X-T4"
    assert row["lens"] == "XF16-80mmF4 R OIS WR"
    assert row["taken_at"].startswith("2023-07-14T18:03:22")
    assert abs(row["gps_lat"] - -(33 + 51 / 60 + 25.2 / 3600)) < 1e-6
    assert abs(row["gps_lon"] - -(70 + 30 / 60 + 36 / 3600)) < 1e-6
    assert abs(row["gps_alt"] - 58.5) < 1e-6
    assert row["orientation"] == 1
    exif = json.loads(row["exif_json"])
    assert exif["Make"] == "FUJIFILM"
    assert exif["LensModel"] == "XF16-80mmF4 R OIS WR"
    assert exif["GPSLatitudeRef"] == "S"
    assert exif["GPSLongitudeRef"] == "W"


def test_photo_without_gps_has_no_position(pictor, library) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    photo = library.save("plain.jpg", smooth_image((64, 64)), exif=exif)

    pictor.index(library.root)

    row = pictor.image_for(photo)
    assert row["camera_make"] == "Canon"
    assert (row["gps_lat"], row["gps_lon"], row["taken_at"]) == (None, None, None)


def test_date_taken_sorts_before_file_mtime(pictor, library) -> None:
    photo = library.save("camera.jpg", smooth_image((64, 64)), exif=camera_exif())
    undated = library.noise("undated.jpg", seed=3)

    pictor.index(library.root)

    assert pictor.image_for(photo)["date_key"] < pictor.image_for(undated)["date_key"]
    assert abs(pictor.image_for(undated)["date_key"] - undated.stat().st_mtime) < 1


def test_orientation_6_is_stored_upright_with_a_portrait_thumbnail(pictor, library) -> None:
    landscape_pixels = Image.new("RGB", (200, 100), (200, 30, 30))
    landscape_pixels.paste((20, 20, 220), (0, 0, 100, 100))  # left half blue
    photo = library.save("rotated.jpg", landscape_pixels, exif=camera_exif(orientation=6))

    pictor.index(library.root)

    row = pictor.image_for(photo)
    assert (row["width"], row["height"], row["orientation"]) == (100, 200, 6)
    with Image.open(pictor.library.thumbs.path_for(row["content_id"])) as thumb:
        assert thumb.height > thumb.width
        # Orientation 6 means "rotate 90° clockwise to view": the blue left half goes on top.
        top = thumb.convert("RGB").getpixel((thumb.width // 2, thumb.height // 4))
        bottom = thumb.convert("RGB").getpixel((thumb.width // 2, 3 * thumb.height // 4))
    assert top[2] > 150 > top[0]
    assert bottom[0] > 150 > bottom[2]


def test_png_a1111_parameters_give_the_positive_prompt(pictor, library) -> None:
    info = PngInfo()
    info.add_text("parameters", A1111_PARAMETERS)
    image = library.save("a1111.png", noise_image((64, 64), seed=1), pnginfo=info)

    pictor.index(library.root)

    row = pictor.image_for(image)
    assert row["prompt"] == "a lighthouse on a cliff, golden hour, <lora:film:0.6>"
    assert json.loads(row["text_json"]) == {"parameters": A1111_PARAMETERS}


def test_a1111_with_empty_prompt_stores_no_prompt(pictor, library) -> None:
    info = PngInfo()
    info.add_text("parameters", "Negative prompt: ugly\nSteps: 20, Sampler: Euler a")
    image = library.save("noprompt.png", noise_image((64, 64), seed=2), pnginfo=info)

    pictor.index(library.root)

    assert pictor.image_for(image)["prompt"] is None


def comfy_graph() -> dict:
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
        "6": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "a red fox in fresh snow, telephoto", "clip": ["4", 1]},
        },
        "7": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "cartoon, text, blurry", "clip": ["4", 1]},
        },
        "3": {
            "class_type": "KSampler",
            "inputs": {"model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "seed": 5},
        },
    }


def test_png_comfyui_prompt_graph_gives_the_positive_prompt(pictor, library) -> None:
    graph = json.dumps(comfy_graph())
    info = PngInfo()
    info.add_text("prompt", graph)
    info.add_text("workflow", json.dumps({"nodes": []}))
    image = library.save("comfy.png", noise_image((64, 64), seed=3), pnginfo=info)

    pictor.index(library.root)

    row = pictor.image_for(image)
    assert row["prompt"] == "a red fox in fresh snow, telephoto"
    texts = json.loads(row["text_json"])
    assert json.loads(texts["prompt"]) == comfy_graph()
    assert "workflow" in texts


def test_comfyui_negative_made_from_the_positive_keeps_the_positive(pictor, library) -> None:
    graph = comfy_graph()
    del graph["7"]
    graph["8"] = {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["6", 0]}}
    graph["3"]["inputs"]["negative"] = ["8", 0]
    info = PngInfo()
    info.add_text("prompt", json.dumps(graph))
    image = library.save("flux.png", noise_image((64, 64), seed=4), pnginfo=info)

    pictor.index(library.root)

    assert pictor.image_for(image)["prompt"] == "a red fox in fresh snow, telephoto"


def test_webp_user_comment_with_a1111_parameters(pictor, library) -> None:
    exif = Image.Exif()
    # What A1111 writes (through piexif): an 8-byte charset prefix, then UTF-16 big-endian.
    exif.get_ifd(EXIF_IFD)[0x9286] = b"UNICODE\x00" + A1111_PARAMETERS.encode("utf-16-be")
    image = library.save("gen.webp", noise_image((64, 64), seed=5), exif=exif, lossless=True)

    pictor.index(library.root)

    row = pictor.image_for(image)
    assert row["format"] == "WEBP"
    assert row["prompt"] == "a lighthouse on a cliff, golden hour, <lora:film:0.6>"
    assert json.loads(row["text_json"])["parameters"] == A1111_PARAMETERS


def test_jpeg_user_comment_in_ascii(pictor, library) -> None:
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[0x9286] = b"ASCII\x00\x00\x00" + A1111_PARAMETERS.encode()
    image = library.save("gen.jpg", smooth_image((64, 64), seed=6), exif=exif)

    pictor.index(library.root)

    assert pictor.image_for(image)["prompt"].startswith("a lighthouse on a cliff")

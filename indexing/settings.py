"""Settings: flags, then PICTOR_* environment variables, then defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from PIL import Image
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("pictor", appauthor=False))


class Settings(BaseSettings):
    """Everything configurable. The defaults need no configuration at all."""

    model_config = SettingsConfigDict(env_prefix="PICTOR_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    # What is derived from the CLIP model alone (its exported towers, the subject vocabulary's
    # vectors): the data folder's models/ unless set, so that several libraries can share it.
    models_dir: Path | None = None
    # ViT-B-32 with its best open_clip weights: 69.2% zero-shot ImageNet-1k (README).
    clip_model: str = "ViT-B-32"
    clip_pretrained: str = "datacomp_xl_s13b_b90k"
    # Extra open_clip architecture configs (a JSON file or a folder of them) to register.
    clip_model_config: str | None = None
    # Dynamic int8 quantisation of the vision tower's Linear layers (the torch backend only).
    clip_int8: bool = False
    # What runs the model. auto: OpenVINO on a CPU (the model exported once to ONNX into
    # models/; 2.6x torch's speed here, the same vectors), torch on a GPU. torch, onnx (ONNX
    # Runtime) or openvino force one; a fast backend that cannot run falls back to torch.
    backend: Literal["auto", "torch", "onnx", "openvino"] = "auto"
    # Compute CLIP embeddings while indexing (off: scan, metadata and hashes only).
    embed: bool = True
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    batch_size: int = Field(default=32, ge=1, le=4096)
    device: str = "auto"
    threads: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1, le=256)
    thumb_size: int = Field(default=320, ge=64, le=1024)
    # Pillow refuses images above twice its MAX_IMAGE_PIXELS with an error; we refuse them
    # from the header alone, before any pixel is decoded.
    max_image_pixels: int = Field(default=2 * (Image.MAX_IMAGE_PIXELS or 89_478_485), ge=1)
    commit_every: int = Field(default=256, ge=1, le=1_000_000)
    # Videos: the moments embedded are key frames at scene changes plus a frame at least
    # every video_interval seconds, at most video_max_frames per video (a longer video's
    # moments are spread further apart).
    video_interval: float = Field(default=10.0, gt=0, le=3600, allow_inf_nan=False)
    video_max_frames: int = Field(default=120, ge=1, le=10_000)
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    share: bool = False
    auth: str | None = None  # USER:PASSWORD
    auth_file: Path | None = None  # one USER:PASSWORD per line, kept out of the process list
    # More names the UI answers to (a reverse proxy's), comma-separated; besides localhost,
    # this machine's names and addresses, and the share domain.
    allowed_hosts: str = ""
    # Read the text in images (OCR) after indexing, so find matches it (PICTOR_OCR=off: no).
    ocr: bool = True
    # Write ratings to XMP sidecars (photo.jpg.xmp) so digiKam, darktable and Lightroom see them.
    write_xmp: bool = False
    # Write the people named on faces to XMP sidecars as face regions (mwg-rs:Regions), so
    # digiKam, Lightroom and Picasa see them (PICTOR_WRITE_XMP_FACES=on).
    write_xmp_faces: bool = False
    # Write tags and captions to XMP sidecars too (dc:subject, lr:hierarchicalSubject,
    # digiKam:TagsList, dc:description), so those apps see what was tagged in Pictor.
    write_xmp_keywords: bool = False
    # Find faces and group them into people after indexing (off: PICTOR_FACES=off).
    faces: bool = True

    @field_validator("data_dir", "models_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().absolute()

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def model_files_dir(self) -> Path:
        """What is derived from a CLIP model alone: the fast CPU backend's exported towers,
        one folder per model, and the subject vocabulary's vectors (subjects/)."""
        return self.models_dir or self.data_dir / "models"

    @property
    def thumbs_dir(self) -> Path:
        return self.data_dir / "thumbs"

    @property
    def previews_dir(self) -> Path:
        return self.data_dir / "previews"

    @property
    def vectors_dir(self) -> Path:
        return self.data_dir / "vectors"

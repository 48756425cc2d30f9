"""What every tab shares: the core Library object and the background job slot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from app.jobs import JobSlot
from indexing.library import Library
from indexing.settings import Settings
from indexing.store.catalog import Catalog


@dataclass
class AppContext:
    settings: Settings
    library: Library
    jobs: JobSlot = field(default_factory=JobSlot)  # indexing
    training: JobSlot = field(default_factory=JobSlot)
    grouping: JobSlot = field(default_factory=JobSlot)  # duplicate grouping, trashing many

    @classmethod
    def create(cls, settings: Settings, library: Library | None = None) -> AppContext:
        """The app's context, on the Library launch.py built (else a new one on settings)."""
        return cls(settings, library if library is not None else Library(settings))

    def use_model(self, clip_model: str, clip_pretrained: str) -> None:
        """Switch CLIP for this app session; vectors of other models stay where they are."""
        self.settings = self.settings.model_copy(
            update={"clip_model": clip_model, "clip_pretrained": clip_pretrained}
        )
        self.library = Library(self.settings)

    def set_write_xmp(self, on: bool) -> None:
        """Ratings also go to XMP sidecars, for everyone using this app, until it restarts."""
        self.settings.write_xmp = on

    def set_write_xmp_faces(self, on: bool) -> None:
        """People's names also go to XMP sidecars as face regions, until the app restarts."""
        self.settings.write_xmp_faces = on

    def set_stage(self, stage: Literal["ocr", "faces"], on: bool) -> None:
        """Indexing reads the text in images, or finds faces (or not), until the app
        restarts."""
        setattr(self.settings, stage, on)

    @contextmanager
    def catalog(self) -> Iterator[Catalog]:
        """A short-lived connection for one callback (callbacks run on worker threads)."""
        catalog = self.library.open_catalog()
        try:
            yield catalog
        finally:
            catalog.close()

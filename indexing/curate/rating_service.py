"""Rating as the front ends do it: a path or content id in, a committed change out.

The CLI's `rate`/`prefer` and the UI's Rate tab and detail views all come through here, so
they share the validation, the path lookup and the optional XMP sidecar writing
(PICTOR_WRITE_XMP): after the rating commits, each present file of the content gets its
sidecar updated. A sidecar that cannot be written is a warning; the rating stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexing.curate import xmp
from indexing.errors import PictorError
from indexing.store.data_folder import DataFolder
from indexing.store.files import content_id_for_path, present_paths_of
from indexing.store.ratings import Choice, RatingChange, Ratings


@dataclass(slots=True)
class RatingResult:
    change: RatingChange
    paths: list[str]  # the present files of the content
    warnings: list[str] = field(default_factory=list)


class RatingService:
    def __init__(self, library: DataFolder):
        self.library = library

    @property
    def write_xmp(self) -> bool:
        """Read at each rating: the UI's checkbox can turn it on or off while running."""
        return bool(self.library.settings.write_xmp)

    def rate(self, content_id: str, score: float | str | None) -> RatingResult:
        """Set (or, with None, clear) the user's rating of a content."""
        with self.library.borrow_catalog() as catalog:
            ratings = Ratings(catalog)
            change = ratings.clear(content_id) if score is None else ratings.set(content_id, score)
            paths = present_paths_of(catalog, content_id)
        return RatingResult(change, paths, self._sidecars(paths, change.rating))

    def rate_path(self, path: str, score: float | str | None) -> RatingResult:
        with self.library.borrow_catalog() as catalog:
            content_id = content_id_for_path(catalog, path)
        return self.rate(content_id, score)

    def undo(self, change: RatingChange) -> RatingResult:
        with self.library.borrow_catalog() as catalog:
            restored = Ratings(catalog).restore(change)
            paths = present_paths_of(catalog, change.content_id)
        return RatingResult(restored, paths, self._sidecars(paths, restored.rating))

    def prefer(self, winner: str, losers: list[str], *, tie: bool = False) -> Choice:
        if not 1 <= len(losers) <= 3:
            raise PictorError("a preference compares 2 to 4 images: one winner, 1 to 3 others")
        with self.library.borrow_catalog() as catalog:
            return Ratings(catalog).prefer(winner, losers, tie=tie)

    def prefer_paths(self, winner: str, losers: list[str], *, tie: bool = False) -> Choice:
        with self.library.borrow_catalog() as catalog:
            ids = [content_id_for_path(catalog, path) for path in [winner, *losers]]
        return self.prefer(ids[0], ids[1:], tie=tie)

    def withdraw(self, choice_id: str) -> int:
        with self.library.borrow_catalog() as catalog:
            return Ratings(catalog).withdraw(choice_id)

    def _sidecars(self, paths: list[str], score: float | None) -> list[str]:
        if not self.write_xmp:
            return []
        warnings = []
        for path in paths:
            try:
                xmp.write_sidecar_rating(path, score)
            except (xmp.SidecarError, OSError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                warnings.append(f"the rating is saved, but its XMP sidecar was not: {reason}")
        return warnings

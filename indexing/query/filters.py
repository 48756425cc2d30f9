"""The one filter object shared by the Filters tab, the `list` command and search.

A `Filter` is a typed, validated value. `Filter.where()` turns everything that needs no
CLIP into SQL over the images table (alias `i`), on indexed columns. The text categories
(`exclude_text`, `only_text`) need the vectors; the listing and search layers apply them.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indexing.errors import PictorError
from indexing.names.tag_paths import BadName, album_path, tag_path
from indexing.store.albums import in_album_named
from indexing.store.faces import with_face_count, with_people
from indexing.store.files import present_under
from indexing.store.image_reads import tagged
from indexing.store.smart_albums import among
from indexing.store.tags import tagged_under
from indexing.store.text_reads import has_text as text_condition

KNOWN_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF")
VIDEO_FORMATS = ("MP4", "MOV", "MKV", "WEBM", "AVI", "M4V")  # a video's container
FORMAT_ALIASES = {"JPG": "JPEG", "HEIC": "HEIF", "TIF": "TIFF"}


class SortKey(StrEnum):
    """What the gallery can be ordered by. The column is indexed for each."""

    resolution = "resolution"  # pixels, width x height
    width = "width"
    height = "height"
    proportion = "proportion"  # width / height: wide first when descending
    size = "size"  # file size in bytes
    taken = "taken"  # date taken, falling back to the file's mtime
    added = "added"  # when Pictor first indexed the content
    name = "name"  # file name
    random = "random"  # a seeded shuffle
    rating = "rating"  # the user's rating, else the evaluator's prediction


SORT_COLUMNS: dict[SortKey, str] = {
    SortKey.resolution: "i.pixels",
    SortKey.width: "i.width",
    SortKey.height: "i.height",
    SortKey.proportion: "i.aspect",
    SortKey.size: "i.bytes",
    SortKey.taken: "i.date_key",
    SortKey.added: "i.added_at",
    SortKey.name: "i.name_key",
    SortKey.random: "i.content_id",  # content ids are uniform hashes: a seed rotates them
    SortKey.rating: "i.rating_key",
}

RANGES = (
    ("min_width", "max_width", "i.width"),
    ("min_height", "max_height", "i.height"),
    ("min_pixels", "max_pixels", "i.pixels"),
    ("min_aspect", "max_aspect", "i.aspect"),
    ("min_bytes", "max_bytes", "i.bytes"),
    ("min_rating", "max_rating", "i.rating_key"),
    ("min_duration", "max_duration", "i.duration"),
)


# Upper bounds far beyond any real image, and within SQLite's 64-bit integers: an absurd
# number is refused in one line instead of overflowing in SQL.
MAX_SIDE = 1_000_000  # pixels per side
MAX_PIXELS = 10**13
MAX_ASPECT = 1_000_000.0
MAX_BYTES = 10**15  # 1 PB
MAX_DURATION = 10**7  # seconds: 115 days


class Filter(BaseModel):
    """Which images to show. Every field is optional; the empty filter shows everything."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_width: int | None = Field(default=None, ge=0, le=MAX_SIDE)
    max_width: int | None = Field(default=None, ge=0, le=MAX_SIDE)
    min_height: int | None = Field(default=None, ge=0, le=MAX_SIDE)
    max_height: int | None = Field(default=None, ge=0, le=MAX_SIDE)
    min_pixels: int | None = Field(default=None, ge=0, le=MAX_PIXELS)
    max_pixels: int | None = Field(default=None, ge=0, le=MAX_PIXELS)
    min_aspect: float | None = Field(
        default=None, gt=0, le=MAX_ASPECT, allow_inf_nan=False
    )  # width / height
    max_aspect: float | None = Field(default=None, gt=0, le=MAX_ASPECT, allow_inf_nan=False)
    min_bytes: int | None = Field(default=None, ge=0, le=MAX_BYTES)
    max_bytes: int | None = Field(default=None, ge=0, le=MAX_BYTES)
    taken_from: date | None = None  # inclusive, by date taken (else file mtime)
    taken_to: date | None = None  # inclusive
    formats: tuple[str, ...] = ()
    kind: Literal["image", "video"] | None = None  # only images, or only videos
    # Seconds; a duration bound keeps videos only.
    min_duration: float | None = Field(default=None, ge=0, le=MAX_DURATION, allow_inf_nan=False)
    max_duration: float | None = Field(default=None, ge=0, le=MAX_DURATION, allow_inf_nan=False)
    folder: str | None = None  # a root or any folder under it
    rated: bool | None = None  # True: only images you rated; False: only images you did not
    min_rating: float | None = Field(
        default=None, ge=0, le=10, allow_inf_nan=False
    )  # yours, else predicted
    max_rating: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    # Facets (indexing.query.facets): exact values, as the facet lists show them.
    year: int | None = Field(default=None, ge=1000, le=9999)  # by the day taken (else mtime)
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")  # 'YYYY-MM'
    day: date | None = None
    camera: str | None = None  # a camera label, e.g. "Fujifilm X-T4"
    lens: str | None = None
    country: str | None = None  # ISO code, e.g. "PT"
    city: str | None = None  # 'Lisbon', or 'PT/Lisbon' for one country's
    subject: str | None = None  # a subject tag of the current CLIP model
    album: str | None = None  # in this album: 'Summer 2024', or 'Trips/Summer 2024'
    tag: str | None = None  # tagged with this tag or one under it: 'Places/Portugal'
    # Only these contents: a smart album named by `album`, run (indexing.curate.smart_albums).
    among: tuple[str, ...] | None = None
    # Or, for a smart album of filters only: its filter, as one more condition.
    within: Filter | None = None
    # People (indexing.curate.people): every one of these named people is in the image.
    people: tuple[str, ...] = ()
    # How many faces the detector found (0: photos with no faces); scanned images only.
    min_faces: int | None = Field(default=None, ge=0, le=100_000)
    max_faces: int | None = Field(default=None, ge=0, le=100_000)
    # True: text was read in the image (OCR); False: it was read and had none.
    has_text: bool | None = None
    exclude_text: tuple[str, ...] = ()  # CLIP categories to hide, e.g. ("nsfw",)
    only_text: tuple[str, ...] = ()  # CLIP categories to keep, e.g. ("beach",)
    text_sensitivity: float = Field(default=0.5, gt=0, lt=1, allow_inf_nan=False)

    @field_validator("formats", mode="before")
    @classmethod
    def _formats(cls, value: Any) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else list(value or ())
        formats = []
        for item in items:
            name = str(item).strip().upper().lstrip(".")
            if not name:
                continue
            name = FORMAT_ALIASES.get(name, name)
            if name not in KNOWN_FORMATS + VIDEO_FORMATS:
                known = ", ".join(KNOWN_FORMATS + VIDEO_FORMATS)
                raise ValueError(f"unknown format {item!r}; use one of {known}")
            formats.append(name)
        return tuple(dict.fromkeys(formats))

    @field_validator("exclude_text", "only_text", mode="before")
    @classmethod
    def _categories(cls, value: Any) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else list(value or ())
        return tuple(dict.fromkeys(t.strip() for t in map(str, items) if t.strip()))

    @field_validator("people", mode="before")
    @classmethod
    def _people(cls, value: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else list(value or ())
        return tuple(dict.fromkeys(" ".join(str(t).split()) for t in items if str(t).strip()))

    @field_validator("camera", "lens", "city", "subject", mode="after")
    @classmethod
    def _facet_text(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("album", mode="after")
    @classmethod
    def _album(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            folders, name = album_path(value)
        except BadName as exc:
            raise ValueError(str(exc)) from None
        return "/".join([*folders, name])

    @field_validator("tag", mode="after")
    @classmethod
    def _tag(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return tag_path(value)
        except BadName as exc:
            raise ValueError(str(exc)) from None

    @field_validator("country", mode="after")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        code = value.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"{value!r} is not a two-letter country code (e.g. PT)")
        return code

    @field_validator("folder", mode="after")
    @classmethod
    def _folder(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return os.path.abspath(os.path.expanduser(value.strip())).rstrip("/") or "/"

    @model_validator(mode="after")
    def _ranges(self) -> Filter:
        for low, high, _ in RANGES:
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{low} ({lo}) is greater than {high} ({hi})")
        if self.taken_from and self.taken_to and self.taken_from > self.taken_to:
            raise ValueError(f"taken_from ({self.taken_from}) is after taken_to ({self.taken_to})")
        fewest, most = self.min_faces, self.max_faces
        if fewest is not None and most is not None and fewest > most:
            raise ValueError(f"min_faces ({fewest}) is greater than max_faces ({most})")
        overlap = set(self.exclude_text) & set(self.only_text)
        if overlap:
            raise ValueError(f"{', '.join(sorted(overlap))!r} is both excluded and required")
        return self

    @classmethod
    def parse(cls, **values: Any) -> Filter:
        """Build from loose input (CLI flags, UI widgets); None and '' mean 'not set'."""
        cleaned = {k: v for k, v in values.items() if v is not None and v != ""}
        try:
            return cls(**cleaned)
        except ValidationError as exc:
            raise PictorError(describe_validation_error(exc)) from None

    @property
    def needs_clip(self) -> bool:
        return bool(self.exclude_text or self.only_text)

    @property
    def uses_facets(self) -> bool:
        """True when a facet value is set: those columns are outside the covering index."""
        return any(getattr(self, name) is not None for name in FACET_FIELDS)

    @property
    def is_empty(self) -> bool:
        return self == Filter()

    def where(self, present_first: bool = True) -> tuple[str, list[Any]]:
        """SQL over images `i` for everything but the text categories, with its parameters.

        Always includes 'at least one file present', so missing files never show. With
        present_first=False that test does not lead the index search: for "which ids pass"
        (no order wanted) SQLite then skip-scans the covering index on the filter's own
        columns instead of reading every present image in it (a 1% filter at 300k images:
        2 ms instead of 22 ms).
        """
        clauses = ["i.present_files > 0" if present_first else "+i.present_files > 0"]
        params: list[Any] = []
        for low, high, column in RANGES:
            for name, op in ((low, ">="), (high, "<=")):
                value = getattr(self, name)
                if value is not None:
                    clauses.append(f"{column} {op} ?")
                    params.append(value)
        # Dates are the photo's own calendar (images.day): a morning in Tokyo is on that
        # day's page wherever it is viewed. The date_key bounds, widened by the largest
        # gap between two clocks, keep the date index narrowing; i.day decides.
        after, before = self.taken_bounds()
        if self.taken_from is not None:
            clauses.append("i.date_key >= ? AND i.day >= ?")
            params += [after, self.taken_from.isoformat()]
        if self.taken_to is not None:
            clauses.append("i.date_key < ? AND i.day <= ?")
            params += [before, self.taken_to.isoformat()]
        if self.kind is not None:
            clauses.append("i.kind = ?")
            params.append(self.kind)
        if self.formats:
            clauses.append(f"i.format IN ({','.join('?' * len(self.formats))})")
            params.extend(self.formats)
        if self.folder is not None:
            clause, values = present_under(self.folder)
            clauses.append(clause)
            params.extend(values)
        day_range = self._day_range()
        if day_range is not None:
            clauses.append("i.day >= ? AND i.day < ?")
            params.extend(day_range)
        if self.city is not None:
            code, _, name = self.city.rpartition("/")  # 'PT/Lisbon': one country's Lisbon
            clauses.append("i.place_city = ?")
            params.append(name)
            if len(code) == 2:
                clauses.append("i.place_cc = ?")
                params.append(code.upper())
        for name, column in (
            ("camera", "i.camera"),
            ("lens", "i.lens"),
            ("country", "i.place_cc"),
        ):
            value = getattr(self, name)
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.subject is not None:
            clause, values = tagged(self.subject)
            clauses.append(clause)
            params.extend(values)
        for clause, values in self.organised():
            clauses.append(clause)
            params.extend(values)
        if self.people:
            clause, values = with_people(self.people)
            clauses.append(clause)
            params.extend(values)
        if self.min_faces is not None or self.max_faces is not None:
            clause, values = with_face_count(self.min_faces, self.max_faces)
            clauses.append(clause)
            params.extend(values)
        if self.has_text is not None:
            clause, values = text_condition(self.has_text)
            clauses.append(clause)
            params.extend(values)
        if self.rated is True:
            clauses.append("i.rating_source = 'user'")
        elif self.rated is False:
            clauses.append("(i.rating_source IS NULL OR i.rating_source != 'user')")
        return " AND ".join(clauses), params

    def organised(self) -> list[tuple[str, list[Any]]]:
        """The album and tag conditions (the user's own organisation), each with its params."""
        out = []
        if self.album is not None:
            *folders, name = self.album.split("/")
            out.append(in_album_named(folders, name))
        if self.tag is not None:
            out.append(tagged_under(self.tag))
        if self.among is not None:
            out.append(among(self.among))
        if self.within is not None:
            clause, params = self.within.where(present_first=False)
            out.append((f"({clause})", params))
        return out

    def taken_bounds(self) -> tuple[float | None, float | None]:
        """The date_key bounds of taken_from/taken_to: the viewer's midnights, widened by
        the largest gap between two clocks (the day itself is checked on images.day)."""
        low = high = None
        if self.taken_from is not None:
            low = _local_midnight(self.taken_from) - CLOCK_SLACK_S
        if self.taken_to is not None:
            high = _local_midnight(self.taken_to + timedelta(days=1)) + CLOCK_SLACK_S
        return low, high

    def _day_range(self) -> tuple[str, str] | None:
        """The narrowest of year, month and day as a range of 'YYYY-MM-DD' strings."""
        if self.day is not None:
            start = self.day.isoformat()
            return start, start + "~"  # '~' sorts after every digit
        if self.month is not None:
            return self.month + "-", self.month + "~"
        if self.year is not None:
            return f"{self.year:04d}-", f"{self.year:04d}~"
        return None


FACET_FIELDS = ("year", "month", "day", "camera", "lens", "country", "city", "subject")


# UTC-12 to UTC+14, plus an hour of daylight saving: how far the photo's clock (images.day)
# can be from the viewer's (date_key's local midnights).
CLOCK_SLACK_S = 27 * 3600


def _local_midnight(day: date) -> float:
    return datetime.combine(day, time.min).timestamp()


def describe_validation_error(exc: ValidationError) -> str:
    """One clear line from pydantic's report: the first problem, in the user's words."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ()) if part != "__root__")
    message = first.get("msg", "invalid value").removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden":
        return f"unknown filter {field!r}"
    kind = first.get("type", "")
    if kind == "string_pattern_mismatch" and field == "month":
        return f"month: {first.get('input')!r} is not a month (use YYYY-MM, e.g. 2023-07)"
    if kind.startswith("date"):
        return f"{field}: {first.get('input')!r} is not a date (use YYYY-MM-DD)"
    limits = first.get("ctx") or {}
    if kind in ("less_than_equal", "less_than"):
        return f"{field}: {first.get('input')} is too large (at most {_number(limits)})"
    if kind in ("greater_than_equal", "greater_than"):
        word = "at least" if kind == "greater_than_equal" else "more than"
        return f"{field}: {first.get('input')} is too small ({word} {_number(limits)})"
    if kind == "finite_number":
        return f"{field}: must be a finite number"
    return f"{field}: {message}" if field else message


def _number(limits: dict[str, Any]) -> str:
    value = next(iter(limits.values()), "?")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def parse_sort(value: str | None) -> SortKey:
    """None means the default (date taken); anything else must name a sort key."""
    if value is None:
        return SortKey.taken
    keys = ", ".join(key.value for key in SortKey)
    if not value.strip():
        raise PictorError(f"the sort key is empty; use one of: {keys}")
    try:
        return SortKey(value.strip().lower())
    except ValueError:
        raise PictorError(f"unknown sort key {value!r}; use one of: {keys}") from None

"""Photos for the event proposer's tests: JPEGs with an EXIF date taken and GPS, so that
indexing finds their places (Berlin as home, Lisbon and Rome as trips)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

from tests.library_builder import noise_image

BERLIN, LISBON, ROME = (52.52, 13.405), (38.7223, -9.1393), (41.8933, 12.4829)


def _dms(degrees: float) -> tuple[float, float, float]:
    degrees = abs(degrees)
    whole, minutes = int(degrees), int((abs(degrees) - int(degrees)) * 60)
    return float(whole), float(minutes), round(((degrees - whole) * 60 - minutes) * 60, 3)


def shoot(path: Path, taken: datetime, place: tuple[float, float], seed: int) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if place[0] >= 0 else "S"), _dms(place[0])
    gps[3], gps[4] = ("E" if place[1] >= 0 else "W"), _dms(place[1])
    path.parent.mkdir(parents=True, exist_ok=True)
    noise_image((48, 32), seed=seed).save(path, format="JPEG", exif=exif)


def days(start: datetime, count: int, per_day: int, place) -> list[tuple[datetime, tuple]]:
    return [
        (start + timedelta(days=d, hours=9 + 10 * n / per_day), place)
        for d in range(count)
        for n in range(per_day)
    ]

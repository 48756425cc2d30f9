"""`album events` end to end: photos with EXIF dates and GPS, indexed (places from the GPS),
give the two trips by place and dates; `accept ID --name` makes the album, `dismiss ID`
hides the other, and a re-run after a new photo of the dismissed trip still hides it;
a wrong id is one clear line."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import fails
from tests.event_photos import BERLIN, LISBON, ROME, days, shoot


def test_events_proposed_accepted_and_dismissed_from_the_cli(cli, run_cli, library, tmp_path):
    shots = (
        days(datetime(2023, 7, 1), 6, 2, BERLIN)
        + days(datetime(2023, 7, 12), 3, 5, LISBON)  # 15 photos
        + days(datetime(2023, 7, 15), 10, 2, BERLIN)
        + days(datetime(2023, 8, 10), 3, 6, ROME)  # 18 photos
        + days(datetime(2023, 8, 13), 3, 2, BERLIN)
    )
    for n, (taken, place) in enumerate(shots):
        shoot(library.path(f"p{n:03d}.jpg"), taken, place, n)
    cli("index", str(library.root), "--no-embed")
    found = cli("album", "events")["proposals"]
    assert [(p["label"], p["kind"]) for p in found] == [
        ("Lisbon, 12–14 July 2023, 15 photos", "trip"),
        ("Rome, 10–12 August 2023, 18 photos", "trip"),
    ]
    assert [p["people"] for p in found] == [[], []]  # no one named in these photos
    lisbon, rome = found
    made = cli("album", "events", "accept", lisbon["id"][:4], "--name", "Lisbon with Ana")
    assert (made["album"]["path"], made["album"]["count"]) == ("Lisbon with Ana", 15)
    cli("album", "events", "dismiss", rome["id"])
    shoot(library.path("late.jpg"), datetime(2023, 8, 11, 20), ROME, 999)  # one more of Rome
    cli("index", str(library.root), "--no-embed")
    assert cli("album", "events")["proposals"] == []
    decided = {p["title"]: p["status"] for p in cli("album", "events", "--all")["proposals"]}
    assert decided == {
        "Lisbon, 12–14 July 2023": "accepted",
        "Rome, 10–12 August 2023": "dismissed",
    }
    assert "no event proposal" in fails(run_cli, tmp_path, "album", "events", "accept", "zzzz")

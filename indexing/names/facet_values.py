"""Facet values computed at index time: the camera label and the day.

A camera's display label comes from EXIF Make and Model, as a good photo app shows it.

EXIF spells makes inconsistently ("NIKON CORPORATION", "OLYMPUS IMAGING CORP.", "FUJIFILM",
"samsung") and models often repeat the make ("Canon EOS R5"). The label is the tidied make
followed by the model without the repeated make: "Nikon D750", "Canon EOS R5",
"Fujifilm X-T4", "Apple iPhone 13 Pro".
"""

from __future__ import annotations

import re
from datetime import datetime

MAKE_NAMES = {
    "nikon": "Nikon",
    "canon": "Canon",
    "fujifilm": "Fujifilm",
    "fuji": "Fujifilm",
    "olympus": "Olympus",
    "om digital solutions": "OM System",
    "sony": "Sony",
    "samsung": "Samsung",
    "apple": "Apple",
    "google": "Google",
    "panasonic": "Panasonic",
    "leica": "Leica",
    "eastman kodak": "Kodak",
    "kodak": "Kodak",
    "pentax": "Pentax",
    "ricoh": "Ricoh",
    "hasselblad": "Hasselblad",
    "huawei": "Huawei",
    "xiaomi": "Xiaomi",
    "oneplus": "OnePlus",
    "dji": "DJI",
    "gopro": "GoPro",
    "lg electronics": "LG",
    "motorola": "Motorola",
    "sigma": "Sigma",
    "minolta": "Minolta",
    "konica minolta": "Konica Minolta",
    "casio": "Casio",
}
# Words that name the company, not the brand: dropped from the make.
COMPANY_WORDS = re.compile(
    r"[\s,]+(corporation|corp\.?|co\.?|ltd\.?|limited|inc\.?|company|imaging|optical|"
    r"electronics|camera|digital|gmbh|ag|s\.a\.)$",
    re.IGNORECASE,
)
# Extra words the search index gets for a make, so that "camera:fuji" finds Fujifilm.
MAKE_ALIASES = {"Fujifilm": "fuji", "OM System": "olympus", "Konica Minolta": "minolta"}


def tidy_make(make: str | None) -> str | None:
    if not make or not make.strip():
        return None
    text = " ".join(make.split())
    lowered = text.lower()
    for key in sorted(MAKE_NAMES, key=len, reverse=True):
        if lowered == key or lowered.startswith(key + " ") or lowered.startswith(key + ","):
            return MAKE_NAMES[key]
    while True:
        shorter = COMPANY_WORDS.sub("", text)
        if shorter == text or not shorter:
            break
        text = shorter
    return text.title() if text.isupper() and len(text) > 3 else text


def camera_label(make: str | None, model: str | None) -> str | None:
    """'Nikon D750' from ('NIKON CORPORATION', 'NIKON D750'); None when neither is known."""
    brand = tidy_make(make)
    model_text = " ".join(model.split()) if model and model.strip() else None
    if model_text is None:
        return brand
    if brand is None:
        return model_text
    raw_make = " ".join((make or "").split())
    for prefix in sorted({brand, raw_make, raw_make.split(" ")[0]}, key=len, reverse=True):
        if prefix and model_text.lower().startswith(prefix.lower()):
            rest = model_text[len(prefix) :].strip(" -_")
            return f"{brand} {rest}" if rest else brand
    return f"{brand} {model_text}"


def make_alias(label: str | None) -> str:
    """Extra search words for a camera label ('' when none)."""
    if not label:
        return ""
    return " ".join(alias for brand, alias in MAKE_ALIASES.items() if label.startswith(brand))


def day_of(taken_at: str | None, date_key: float) -> str | None:
    """'YYYY-MM-DD': the date on the photo's own clock when EXIF has it (a photo taken at
    23:30 in Tokyo belongs to that day wherever it is viewed), else the local date of the
    file's mtime (date_key)."""
    if taken_at and len(taken_at) >= 10 and taken_at[4] == "-":
        return taken_at[:10]
    try:
        return datetime.fromtimestamp(date_key).strftime("%Y-%m-%d")
    except (OverflowError, OSError, ValueError):
        return None

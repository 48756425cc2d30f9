"""Tag paths and album names as a person types them, made one canonical form.

A tag is a path of segments, digiKam's and Lightroom's hierarchical keywords:
'Places/Portugal/Lisbon'. Lightroom writes the hierarchy with '|' (lr:hierarchicalSubject),
so '|' reads as '/' too. Spaces around each segment go; a segment keeps its case as first
typed (lookups ignore case). A path with a '/' at either end or an empty segment ('a//b')
is refused, not guessed at. Pure functions, at the bottom of the layers, so the store, the
query language and the front ends all agree.
"""

from __future__ import annotations

MAX_NAME = 200  # characters: an album name, a tag segment
MAX_DEPTH = 10  # segments of a tag path


class BadName(ValueError):
    """One plain sentence saying what is wrong with a name."""


def tag_path(text: str) -> str:
    """'  Places / Portugal/Lisbon ' -> 'Places/Portugal/Lisbon'; BadName when it is not a tag."""
    raw = " ".join((text or "").replace("|", "/").split())
    if not raw:
        raise BadName("a tag cannot be empty")
    if raw.startswith("/") or raw.endswith("/"):
        raise BadName(f"tag {text!r} has a '/' at its start or end; write e.g. Places/Portugal")
    segments = [segment.strip() for segment in raw.split("/")]
    if any(not segment for segment in segments):
        raise BadName(f"tag {text!r} has an empty part between two '/'")
    if len(segments) > MAX_DEPTH:
        raise BadName(f"tag {text!r} is more than {MAX_DEPTH} levels deep")
    for segment in segments:
        if len(segment) > MAX_NAME:
            raise BadName(f"a tag part is over {MAX_NAME} characters: {segment[:40]!r}…")
    return "/".join(segments)


def ancestors(path: str) -> list[str]:
    """'a/b/c' -> ['a', 'a/b', 'a/b/c']: the path and every tag above it, top first."""
    segments = path.split("/")
    return ["/".join(segments[: i + 1]) for i in range(len(segments))]


def album_name(text: str, what: str = "album") -> str:
    """An album or folder name: trimmed, not empty, not over MAX_NAME, no '/' (which
    separates folders: 'Trips/Summer 2024'). what: 'album' or 'folder', for the sentence."""
    name = " ".join((text or "").split())
    if not name:
        raise BadName(f"an {what} name cannot be empty" if what == "album" else
                      f"a {what} name cannot be empty")  # fmt: skip
    if len(name) > MAX_NAME:
        raise BadName(f"{'an' if what == 'album' else 'a'} {what} name is at most {MAX_NAME} "
                      f"characters (this one has {len(name)})")  # fmt: skip
    if "/" in name:
        raise BadName(f"an album name cannot hold '/' ({name!r}); '/' separates album folders")
    return name


def album_path(text: str, what: str = "album") -> tuple[list[str], str]:
    """'Trips/2024/Summer' -> (['Trips', '2024'], 'Summer'): its folders, then its name (an
    album's, or with what='folder' a folder's)."""
    raw = (text or "").strip()
    if raw.startswith("/") or raw.endswith("/"):
        raise BadName(f"{what} {text!r} has a '/' at its start or end")
    *folders, name = raw.split("/") if raw else [""]
    return [album_name(folder, "folder") for folder in folders], album_name(name, what)

"""Share one album through a link: `album share NAME` makes a random token, and whoever has
the link sees that album and nothing else (app/shared_album.py serves it).

Only the token's SHA-256 is stored, so the catalog (or a backup of it) holds no working
link; the token is shown once, when the link is made. A password is stored as a salted
scrypt hash. A link ends when it expires, when it is revoked (`album unshare`), or when its
album is deleted; what it shows is read at each request, so a photo taken out of the
album, or trashed, leaves the link at once.

A smart album can be shared too: the link shows what its query finds at each request (its
first SMART_LIMIT images, in the query's order), so it stays live, and an image that leaves
the query's results leaves the link at once. A query that no longer runs (an album it names
was deleted, it needs CLIP and the model is absent) shows nothing, never an error. Nor does
one whose query filters on a bare album name ('Family') that more than one album has: such a
name matches every album of that name, so a private 'Trips/Family' made later would
otherwise join the link; `album share` refuses such a query and names the paths to use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from indexing.curate.albums import Albums
from indexing.curate.smart_albums import SmartAlbums, ambiguous_album
from indexing.errors import PictorError
from indexing.query.model_folder import ModelFolder
from indexing.store import albums as album_rows
from indexing.store import shares as rows
from indexing.store import smart_albums as smart_rows
from indexing.store.catalog import Catalog
from indexing.store.shares import ShareRow

TOKEN_BYTES = 32
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
SHARED_PATH = "/shared/"
MIN_PASSWORD = 4
MAX_PASSWORD = 1024
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
DURATION = re.compile(r"(\d{1,5})\s*([mhdw])", re.IGNORECASE)
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
SMART_LIMIT = 2000  # a shared smart album shows its query's first 2,000 images


@dataclass(frozen=True, slots=True)
class NewShare:
    token: str  # shown once; only its hash is kept
    share: ShareRow

    @property
    def path(self) -> str:
        return f"{SHARED_PATH}{self.token}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT, dklen=32)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def password_matches(stored: str, password: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt" or len(password) > MAX_PASSWORD:
            return False
        found = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(found.hex(), digest)


def parse_expiry(text: str | None, now: float) -> float | None:
    """'7d', '12h', '30m', '2w' from now; or a date ('2026-12-31': the end of that day, this
    machine's time) or a date and time ('2026-12-31T18:00'). None: never."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    match = DURATION.fullmatch(text)
    if match:
        seconds = int(match[1]) * UNIT_SECONDS[match[2].lower()]
        if seconds <= 0:
            raise PictorError(f"--expires {text!r} is not in the future")
        return now + seconds
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).astimezone()
        else:
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.astimezone()
    except ValueError:
        raise PictorError(
            f"--expires {text!r}: give a duration (30m, 12h, 7d, 2w) or a date (2026-12-31)"
        ) from None
    when = moment.timestamp()
    if when <= now:
        raise PictorError(f"--expires {text!r} is already past")
    return when


def token_in(text: str) -> str | None:
    """The token a link or a bare token holds ('http://host:7860/shared/TOKEN', 'TOKEN')."""
    text = text.strip()
    if SHARED_PATH in text:
        text = text.split(SHARED_PATH, 1)[1].split("/", 1)[0].split("?", 1)[0]
    return text if TOKEN.fullmatch(text) else None


class Shares:
    """The share links of one catalog."""

    def __init__(self, catalog: Catalog, clock=time.time, folder: ModelFolder | None = None):
        """folder: the library, which a shared smart album's query needs (its text search
        embeds with CLIP); without it a smart album's link shows nothing."""
        self.catalog = catalog
        self.clock = clock
        self.folder = folder

    def share(self, album_path: str, password: str | None = None, expires: str | None = None):
        """A new link to this album; every check runs before anything is written."""
        album = Albums(self.catalog).get(album_path)
        problem = ambiguous_album(self.catalog, album.id)
        if problem is not None:
            raise PictorError(f"the smart album {album.path!r} cannot be shared: {problem}")
        now = self.clock()
        until = parse_expiry(expires, now)
        stored = None
        if password is not None:
            if len(password.strip()) < MIN_PASSWORD or len(password) > MAX_PASSWORD:
                raise PictorError(
                    f"a share password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters"
                )
            stored = hash_password(password)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self.catalog.transaction() as conn:
            share_id = rows.insert_share(conn, token_hash(token), album.id, stored, now, until)
        made = next(s for s in self.listed() if s.id == share_id)
        return NewShare(token, made)

    def listed(self) -> list[ShareRow]:
        return rows.share_rows(self.catalog, self._paths())

    def unshare(self, name_or_link: str) -> list[ShareRow]:
        """Revoke one link (its token, the link itself, or '#N' as `album shares` numbers
        it) or every live link of an album (its name); the links revoked. Nothing live to
        revoke is one clear error."""
        now = self.clock()
        token = token_in(name_or_link)
        number = re.fullmatch(r"#(\d{1,18})", name_or_link.strip())
        if number is not None:
            found = next((s for s in self.listed() if s.id == int(number[1])), None)
            if found is None:
                raise PictorError(f"no share link {name_or_link.strip()} (see: album shares)")
            if found.revoked is not None:
                raise PictorError("this share link was already revoked")
            targets = [found]
        elif token is not None:
            found = rows.share_by_hash(self.catalog, token_hash(token), self._paths())
            if found is None:
                raise PictorError("no share link has this token (see: album shares)")
            targets = [found] if found.revoked is None else []
            if not targets:
                raise PictorError("this share link was already revoked")
        else:
            album = Albums(self.catalog).get(name_or_link)
            targets = [s for s in self.listed() if s.album == album.id and s.revoked is None]
            if not targets:
                raise PictorError(f"the album {album.path!r} has no share link to revoke")
        with self.catalog.transaction() as conn:
            rows.revoke(conn, [s.id for s in targets], now)
        ids = {s.id for s in targets}
        return [s for s in self.listed() if s.id in ids]

    def open(self, token: str) -> ShareRow | None:
        """The live link this token opens; None when the token is malformed, unknown,
        expired, revoked, or its album is gone (the guest is told none of these apart)."""
        if not TOKEN.fullmatch(token):
            return None
        hashed = token_hash(token)
        album = rows.share_album(self.catalog, hashed)
        name = None if album is None else rows.album_name(self.catalog, album)
        found = rows.share_by_hash(self.catalog, hashed, {album: name} if album and name else {})
        return found if found is not None and found.active(self.clock()) else None

    def is_smart(self, share: ShareRow) -> bool:
        return smart_rows.query_of(self.catalog, share.album) is not None

    def holds(self, share: ShareRow, content_id: str) -> bool:
        if self.is_smart(share):
            return content_id in self.items(share)
        return rows.album_holds(self.catalog, share.album, content_id)

    def items(self, share: ShareRow) -> list[str]:
        """The shared album's shown images, in its order (a smart album's: what its query
        finds now, the first SMART_LIMIT; nothing when the query no longer runs)."""
        album = album_rows.album_rows(self.catalog, [share.album])
        if not album:
            return []
        if not self.is_smart(share):
            return Albums(self.catalog).items(album[0])
        if self.folder is None or ambiguous_album(self.catalog, share.album) is not None:
            return []  # a bare album name that now names several albums: never widened
        try:
            found = SmartAlbums(self.folder, self.catalog).run(album[0], limit=SMART_LIMIT)
        except PictorError:  # an album it names was deleted, CLIP is absent, ...
            return []
        return found.content_ids[:SMART_LIMIT]

    def _paths(self) -> dict[int, str]:
        return {a.id: a.path for a in album_rows.album_rows(self.catalog)}

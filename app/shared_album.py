"""The guest's side of a share link: /shared/TOKEN shows one album and nothing else.

It is a small ASGI app of its own, not part of gradio: app/edge_guard.py hands it every
request whose path starts with /shared/ (after the Host and Origin checks, without the
main login: the link is the guest's key), and nothing of the guest's ever reaches gradio.
Every other route of the app still needs the login.

What a guest can ask for, and nothing else (GET or HEAD; POST only for the password):

    /shared/TOKEN                       the album's page (or its password form)
    /shared/TOKEN/items?page=N          one page of its photos: ids, dates, captions
    /shared/TOKEN/thumb/CONTENT_ID      the thumbnail   \
    /shared/TOKEN/preview/CONTENT_ID    the large view   > of a photo of THAT album
    /shared/TOKEN/original/CONTENT_ID   the file itself /

The token and the content id are matched whole against their exact shapes before anything
is looked up, and the link and the album's membership are read from the catalog at every
request, so revoking a link, its expiry, or taking a photo out of the album counts at once.
A shared smart album shows what its query finds (indexing.curate.shares: the first 2,000),
worked out again after every commit to the catalog (the library's commit watch), so an
image that leaves its results is out of reach at once; a query that fails shows nothing.
Anything else (a wrong, expired or revoked token, another image's id, another path or
method) gets the very same "not found" page, so a guest learns nothing of what exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import mimetypes
import os
import re
import secrets
import stat
import time
import urllib.parse
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from app.context import AppContext
from app.edge_guard import LoginThrottle, Receive, Scope, Send
from indexing.curate.shares import Shares, password_matches, token_hash
from indexing.curate.tags import Tags
from indexing.store.catalog import Catalog
from indexing.store.files import file_row, present_paths_of
from indexing.store.image_reads import image_row
from indexing.store.shares import ShareRow

LOG = logging.getLogger(__name__)
PREFIX = "/shared"
ROUTE = re.compile(
    r"/shared/(?P<token>[A-Za-z0-9_-]{43})"
    r"(?:/?|/items|/(?P<kind>thumb|preview|original)/(?P<content_id>[0-9a-f]{32}))"
)
PAGE_SIZE = 100
COOKIE = "pictor_guest"
COOKIE_DAYS = 30
MAX_FORM = 4096
PAGE = (Path(__file__).parent / "assets" / "shared_album.html").read_text(encoding="utf-8")
NOT_FOUND = b"<!doctype html><meta charset=utf-8><title>Not found</title><p>Not found.</p>"
CSP = (
    "default-src 'none'; img-src 'self'; connect-src 'self'; style-src 'nonce-{nonce}'; "
    "script-src 'nonce-{nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SAFE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


# ASCII digits only ("²".isdigit() is True, and int() refuses it): a page, a time.
PAGE_NUMBER, SECONDS = re.compile(r"[0-9]{1,6}"), re.compile(r"[0-9]{1,12}")


class SharedAlbumApp:
    """The ASGI app for /shared/...; ctx gives the library (read at each request)."""

    def __init__(self, ctx: AppContext, throttle: LoginThrottle | None = None, clock=time.time):
        self.ctx = ctx
        self.throttle = throttle or LoginThrottle()
        self.clock = clock
        # One password check at a time per link: a burst of guesses sent together waits its
        # turn, each seeing the failures counted before it (a live link's hash per lock).
        self._turns: dict[str, asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        response = await self._answer(Request(scope, receive))
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        route = ROUTE.fullmatch(request.scope["path"])
        method = request.method
        raw = request.scope.get("raw_path") or b""
        if route is None or b"%" in raw or b"\\" in raw:  # the shapes above, never encoded
            return not_found()
        if method not in ("GET", "HEAD") and not (method == "POST" and _is_page(route)):
            return not_found()
        token = route["token"]
        share = await run_in_threadpool(self._open, token)
        if share is None:
            return not_found()
        if method == "POST":
            return await self._password(request, token, share)
        if share.password_hash is not None and not self._admitted(request, token, share):
            return password_page(token, share, "") if _is_page(route) else not_found()
        if _is_page(route):
            return album_page(token, share)
        if route["kind"] is None:
            return await run_in_threadpool(self._items, share, request.query_params.get("page"))
        return await run_in_threadpool(self._media, share, route["kind"], route["content_id"])

    def _open(self, token: str) -> ShareRow | None:
        with self.ctx.catalog() as catalog:
            return Shares(catalog, self.clock).open(token)

    def _members(self, catalog: Catalog, share: ShareRow) -> list[str]:
        """The images the link shows now, in order. A smart album's query runs again only
        after a commit, once however many requests ask together (its thumbnails would
        otherwise run it once each); one that fails in any way shows nothing, and that too
        is kept until the next commit: a guest never gets an error page."""
        shares = Shares(catalog, self.clock, self.ctx.library)
        if not shares.is_smart(share):
            return shares.items(share)

        def resolved() -> tuple[str, ...]:
            try:
                return tuple(shares.items(share))
            except Exception:  # the guest sees "nothing here"; the log says why
                LOG.exception("the shared smart album %s could not be resolved", share.album)
                return ()

        return list(self.ctx.library.commits.cached(("shared-smart-album", share.album), resolved))

    def _items(self, share: ShareRow, page_text: str | None) -> Response:
        page = max(1, int(page_text)) if page_text and PAGE_NUMBER.fullmatch(page_text) else 1
        with self.ctx.catalog() as catalog:
            ids = self._members(catalog, share)
            shown = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            tags = Tags(catalog)
            items = [_item(cid, image_row(catalog, cid), tags.caption(cid)) for cid in shown]
        body = {"album": share.album_path, "total": len(ids), "page": page, "items": items}
        return _response(json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def _media(self, share: ShareRow, kind: str, content_id: str) -> Response:
        library = self.ctx.library
        with self.ctx.catalog() as catalog:
            shares = Shares(catalog, self.clock)
            if shares.is_smart(share):
                if content_id not in self._members(catalog, share):
                    return not_found()
            elif not shares.holds(share, content_id):
                return not_found()
            paths = unchanged_files(catalog, present_paths_of(catalog, content_id))
        if kind == "thumb":
            found: Path | None = library.thumbs.path_for(content_id)
        elif kind == "preview":
            found = library.previews.get(content_id, paths) if paths else None
        else:
            found = Path(paths[0]) if paths else None
        if found is None or not found.is_file():
            return not_found()
        headers = dict(SAFE_HEADERS)
        if kind == "original":
            name = urllib.parse.quote(os.path.basename(found))
            headers["content-disposition"] = f"attachment; filename*=UTF-8''{name}"
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return FileResponse(found, media_type=media_type, headers=headers)

    async def _password(self, request: Request, token: str, share: ShareRow) -> Response:
        if share.password_hash is None:
            return _redirect(token)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return not_found()
        typed = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("password", [""])[0]
        link = token_hash(token)
        client = f"{(request.client.host if request.client else 'unknown')}|{link}"
        async with self._turns.setdefault(link, asyncio.Lock()):
            wait = self.throttle.retry_after(client)
            if wait > 0:
                seconds = int(wait) + 1
                text = f"Too many wrong passwords; try again in {seconds} s."
                answer = password_page(token, share, text, status=429)
                answer.headers["retry-after"] = str(seconds)
                return answer
            if not await run_in_threadpool(password_matches, share.password_hash, typed):
                self.throttle.failed(client)
                return password_page(token, share, "Wrong password.", status=401)
            self.throttle.succeeded(client)
        answer = _redirect(token)
        secure = request.url.scheme == "https" or request.headers.get(
            "x-forwarded-proto", ""
        ).startswith("https")
        answer.set_cookie(
            COOKIE, _signed(share, token, self.clock()), max_age=COOKIE_DAYS * 86400,
            path=f"{PREFIX}/{token}", httponly=True, samesite="strict", secure=secure,
        )  # fmt: skip
        return answer

    def _admitted(self, request: Request, token: str, share: ShareRow) -> bool:
        """Whether the request carries this link's cookie (given after the password)."""
        issued, _, signature = request.cookies.get(COOKIE, "").partition(".")
        if not SECONDS.fullmatch(issued) or self.clock() - int(issued) > COOKIE_DAYS * 86400:
            return False
        return hmac.compare_digest(_signed(share, token, int(issued)), f"{issued}.{signature}")


def unchanged_files(catalog: Catalog, paths: list[str]) -> list[str]:
    """The paths that are still the file the catalog indexed (a regular file of the size and
    time it recorded): a file replaced or rewritten since is another image, never sent."""
    kept = []
    for path in paths:
        row = file_row(catalog, path)
        try:
            info = os.stat(path)
        except OSError:
            continue
        if row is not None and stat.S_ISREG(info.st_mode) and (row[2], row[3]) == (
            info.st_size, info.st_mtime_ns,
        ):  # fmt: skip
            kept.append(path)
    return kept


def _signed(share: ShareRow, token: str, issued: float) -> str:
    """issued.HMAC(the password's hash, the link): a new password or link, a new cookie."""
    key = (share.password_hash or "").encode()
    stamp = str(int(issued))
    mac = hmac.new(key, f"{token_hash(token)}:{stamp}".encode(), hashlib.sha256).hexdigest()
    return f"{stamp}.{mac}"


def _is_page(route: re.Match[str]) -> bool:
    return route["kind"] is None and not route.group(0).endswith("/items")


def _item(content_id: str, row: dict[str, Any] | None, caption: str | None) -> dict[str, Any]:
    row = row or {}
    return {
        "id": content_id,
        "taken": row.get("taken_at"),
        "width": row.get("width"),
        "height": row.get("height"),
        "caption": caption or "",
    }


def _response(body: bytes, media_type: str, status: int = 200, nonce: str = "") -> Response:
    headers = dict(SAFE_HEADERS)
    headers["content-security-policy"] = CSP.format(nonce=nonce or secrets.token_urlsafe(16))
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def not_found() -> Response:
    """The one answer to everything a guest may not see (always these very bytes)."""
    headers = {**SAFE_HEADERS, "content-security-policy": "default-src 'none'"}
    return Response(NOT_FOUND, status_code=404, media_type="text/html", headers=headers)


def _redirect(token: str) -> Response:
    return Response(b"", status_code=303, headers={**SAFE_HEADERS, "location": f"{PREFIX}/{token}"})


def album_page(token: str, share: ShareRow) -> Response:
    nonce = secrets.token_urlsafe(16)
    config = json.dumps({"base": f"{PREFIX}/{token}", "pageSize": PAGE_SIZE})
    title = html.escape(share.album_path or "Shared album")
    body = _filled(nonce=nonce, title=title, config=config.replace("<", "\\u003c"), form="")
    return _response(body.encode(), "text/html", nonce=nonce)


def password_page(token: str, share: ShareRow, message: str, status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(16)
    form = (
        f'<form method="post" action="{PREFIX}/{token}" id="password-form">'
        "<label>This album is protected by a password. "
        '<input type="password" name="password" autocomplete="current-password" '
        "required autofocus></label> <button>Open</button>"
        f'<p class="problem" id="password-problem">{html.escape(message)}</p></form>'
    )
    body = _filled(nonce=nonce, title="Shared album", config="null", form=form)
    return _response(body.encode(), "text/html", status=status, nonce=nonce)


def _filled(**values: str) -> str:
    """The page with its {{name}} slots filled in one pass (a value is never read again)."""
    return re.sub(r"\{\{(\w+)\}\}", lambda slot: values[slot[1]], PAGE)

"""The app's named API endpoints, for scripts (`gradio_client`) rather than people.

Each endpoint calls the same core code as the CLI command of that name and returns the
document that command prints with --json, as JSON text: gradio_client downloads every
{"path": "..."} object of a result as a file (it asks the file route for the library's
originals, which are not served, and fails), and a string it leaves alone. A problem the
caller can fix is a PictorError; the app's guard (app/feedback.py) turns it into a short
error message for the client.

/index adds a folder only inside the user's home or an existing root of the library: a
script (or a page that gets hold of a session) cannot point the app at the rest of the
disk; the CLI can, and the Library tab once its user answers its question.

Type hints are evaluated as written (no `from __future__ import annotations`): gr.api
reads the return annotation as an object to describe each endpoint's result.
"""

import functools
import inspect
import json
import os
from collections.abc import Callable
from typing import Any

import gradio as gr

from app.api_albums import ALBUM_ENDPOINTS, AlbumApi
from app.context import AppContext
from app.jobs import BackgroundJob, JobSlot, Report
from app.share_links import links
from evaluator import service
from indexing.curate.dismissals import Dismissals, dismiss
from indexing.curate.rating_service import RatingService
from indexing.curate.shares import Shares
from indexing.curate.smart_albums import resolve_smart_album
from indexing.curate.trash import Trash
from indexing.errors import PictorError
from indexing.ingest.scan import outside_home_and_roots, resolve_root
from indexing.progress import CancelToken
from indexing.query.duplicates import duplicates_of, find_groups
from indexing.query.filters import Filter, parse_sort
from indexing.query.listing import ListRequest, list_library
from indexing.query.search import Searcher, SearchQuery, parse_negative, validate
from indexing.records import CONTENT_ID
from indexing.store.catalog import Catalog
from indexing.store.files import content_id_for_path

Document = dict[str, Any]


class PictorApi(AlbumApi):
    """One method per endpoint; `add_to` names them. Read ctx.library at each call: the
    model settings can switch it while the app runs."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def status(self) -> Document:
        """Catalog counts, roots, formats, the CLIP model and its embedding counts."""
        with self.ctx.catalog() as catalog:
            return self.ctx.library.status(catalog)

    def index(self, folders: list[str] | None = None) -> Document:
        """Index folders (default: every known root), then predict the new images; returns
        the summary when done. Refused while the app (or another run) is indexing."""
        library = self.ctx.library
        roots = [resolve_root(folder) for folder in _strings(folders)]
        with self.ctx.catalog() as catalog:
            known = catalog.roots()
        if not roots:
            roots = known
            if not roots:
                raise PictorError("no folders to index: give one, e.g. folders=['~/Pictures']")
        for root in roots:
            _check_may_add(root, known)
        predicted: list[int] = []

        def run(report: Report, token: CancelToken) -> Any:
            summary = library.index(roots, report, token, wait=False)
            predicted.append(0 if token.cancelled else service.predict_new(library))
            return summary

        # In the app's indexing slot: the Library tab's Cancel stops it, and a page opened
        # meanwhile follows its progress.
        busy = "Indexing is already running in this app; try again when it has finished."
        summary = _run_in(self.ctx.jobs, BackgroundJob(run, "index"), busy)
        return {**summary.as_dict(), "predicted": predicted[0]}

    def search(
        self,
        text: str = "",
        image: str | None = None,
        negative: list[str] | None = None,
        image_weight: float = 0.5,
        taste: float = 0.0,
        top: int = 20,
        page: int = 1,
        min_score: float = -1.0,
        filter: dict[str, Any] | None = None,
    ) -> Document:
        """Search by text, by an image (a file path, or a content id of the library), or
        both. negative: terms to push away. filter: Filter fields, as the results'
        query.filter reports them, e.g. {"folder": "/photos/2023", "min_width": 1000}."""
        image = (image or "").strip() or None
        library_image = None
        if image:
            with self.ctx.catalog() as catalog:
                library_image = image if _is_content(catalog, image) else None
        query = SearchQuery(
            text=text or "",
            image_path=None if library_image else image,
            image_content_id=library_image,
            negative=parse_negative(negative),
            image_weight=image_weight,
            taste=taste,
            top=top,
            min_score=min_score,
            page=page,
            filter=_filter(filter),
        )
        validate(query)  # a bad query fails in one sentence, before any model loads
        return Searcher.for_library(self.ctx.library).search(query).as_dict()

    def list_images(
        self,
        filter: dict[str, Any] | None = None,
        sort: str = "taken",
        descending: bool = False,
        seed: int = 0,
        page: int = 1,
        page_size: int = 60,
    ) -> Document:
        """One page of the images a filter keeps, in a sort order (the Filters tab).
        filter: Filter fields, e.g. {"rated": true, "min_rating": 7, "camera": "X-T4"}."""
        request = ListRequest.parse(
            filter=resolve_smart_album(self.ctx.library, _filter(filter)),
            sort=parse_sort(sort),
            descending=descending,
            seed=seed,
            page=page,
            page_size=page_size,
        )
        return list_library(self.ctx.library, request).as_dict()

    def duplicates(
        self,
        tier: str = "exact",
        threshold: float | None = None,
        page: int = 1,
        of: str | None = None,
    ) -> Document:
        """One page of groups: exact copies, near-identical, similar images, or clusters;
        or, with `of` (a path or a content id), only that image's group in the tier."""
        if of:
            with self.ctx.catalog() as catalog:
                content_id = _content_of(catalog, of)
            found = duplicates_of(self.ctx.library, content_id, tier=tier, threshold=threshold)
            return found.as_dict()
        return find_groups(self.ctx.library, tier, threshold, page).as_dict()

    def dismiss(
        self,
        tier: str = "exact",
        threshold: float | None = None,
        group: int | None = None,
        images: list[str] | None = None,
    ) -> Document:
        """Not duplicates: group number `group` of the tier as listed (1 = the first), or
        images (paths or content ids): two or more are kept apart, one leaves its group.
        Stored by content: no later run shows them grouped again until reset."""
        with self.ctx.catalog() as catalog:
            ids = [_content_of(catalog, image) for image in _strings(images)]
        made = dismiss(self.ctx.library, tier, threshold, group=group, content_ids=ids)
        return {"dismissed": [d.as_dict() for d in made]}

    def dismissed(self) -> Document:
        """Every "not duplicates" decision, with its id (for reset_dismissed)."""
        with self.ctx.catalog() as catalog:
            return {"dismissed": [d.as_dict() for d in Dismissals(catalog).listed()]}

    def reset_dismissed(self, ids: list[int] | None = None, everything: bool = False) -> Document:
        """Forget "not duplicates" decisions: by id, or everything=True."""
        if everything == bool(ids):
            raise PictorError("say what to reset: ids=[...] or everything=True (not both)")
        with self.ctx.catalog() as catalog:
            gone = Dismissals(catalog).reset(None if everything else [int(i) for i in ids or []])
        return {"reset": gone}

    def rate(self, image: str, score: float | None = None, clear: bool = False) -> Document:
        """Rate an image (a path or a content id) from 0 to 10, or clear its rating."""
        if clear == (score is not None):
            raise PictorError("give a score from 0 to 10, or clear=True (not both)")
        ratings = RatingService(self.ctx.library)
        with self.ctx.catalog() as catalog:
            content_id = _content_of(catalog, image)
        result = ratings.rate(content_id, None if clear else score)
        return {**result.change.as_dict(), "paths": result.paths, "warnings": result.warnings}

    def prefer(self, winner: str, losers: list[str], tie: bool = False) -> Document:
        """Say which image you like best: winner over each loser (1 to 3), or all equal.
        Images are paths or content ids."""
        with self.ctx.catalog() as catalog:
            ids = [_content_of(catalog, image) for image in [winner, *_strings(losers)]]
        choice = RatingService(self.ctx.library).prefer(ids[0], ids[1:], tie=tie)
        return {"choice_id": choice.choice_id, "tie": choice.tie, "pairs": choice.pairs}

    def train(self, activate_anyway: bool = False) -> Document:
        """Train the evaluator on the ratings and preferences, make it active and predict
        every image if it beats the baseline (`beats_baseline`, `activated`, `message` say
        so; otherwise the previous one stays active, unless `activate_anyway`). Refused
        while the Train tab (or another call) is training."""
        library = self.ctx.library

        def run(report: Report, token: CancelToken) -> Any:
            return service.train(
                library, progress=report, cancel=lambda: token.cancelled,
                predict_progress=report, activate_anyway=activate_anyway,
            )  # fmt: skip

        busy = "Training is already running in this app; try again when it has finished."
        outcome = _run_in(self.ctx.training, BackgroundJob(run, "train"), busy)
        return outcome.as_dict()

    def predict(self) -> Document:
        """Refresh every prediction with the active evaluator."""
        return {"predicted": service.predict(self.ctx.library)}

    def trash(self, paths: list[str]) -> Document:
        """Move images and videos of the library to its trash (undo with restore); any other
        path (not catalogued, outside every library folder) refuses the request."""
        if not _strings(paths):
            raise PictorError("say which files to move to the trash: paths=['/photos/a.jpg']")
        with self.ctx.catalog() as catalog:
            return Trash(catalog).trash(_strings(paths)).as_dict()

    def restore(self, paths: list[str] | None = None, everything: bool = False) -> Document:
        """Put trashed files back: by original path, trash path or trash id, or everything."""
        wanted = _strings(paths)
        if everything == bool(wanted):
            raise PictorError("say what to restore: paths=[...] or everything=True (not both)")
        with self.ctx.catalog() as catalog:
            return Trash(catalog).restore(None if everything else wanted).as_dict()

    def share(
        self, album: str, password: str | None = None, expires: str | None = None
    ) -> Document:
        """A read-only link to one album (as `album share`): its token (shown only now),
        path and URLs. expires: 30m, 12h, 7d, 2w or a date; password: the guest types it."""
        with self.ctx.catalog() as catalog:
            shares = Shares(catalog)
            made = shares.share(album, password or None, expires or None)
            now = shares.clock()
        where = links(self.ctx.settings, made.path)
        return {**made.share.as_dict(now), "token": made.token, **where}

    def unshare(self, target: str) -> Document:
        """Revoke an album's links (its name) or one link (its token or URL)."""
        with self.ctx.catalog() as catalog:
            shares = Shares(catalog)
            return {"revoked": [s.as_dict(shares.clock()) for s in shares.unshare(target)]}

    def shares(self) -> Document:
        """Every share link: album, made, expires, password or not, revoked."""
        with self.ctx.catalog() as catalog:
            shares = Shares(catalog)
            return {"shares": [s.as_dict(shares.clock()) for s in shares.listed()]}


# The endpoint names (the CLI's command names), each with the PictorApi method behind it.
ENDPOINTS = {
    "index": "index",
    "search": "search",
    "list": "list_images",
    "duplicates": "duplicates",
    "dismiss": "dismiss",
    "dismissed": "dismissed",
    "reset_dismissed": "reset_dismissed",
    "rate": "rate",
    "prefer": "prefer",
    "train": "train",
    "predict": "predict",
    "trash": "trash",
    "restore": "restore",
    "status": "status",
    "share": "share",
    "unshare": "unshare",
    "shares": "shares",
    **ALBUM_ENDPOINTS,
}


API_PAGE = "pictor-api"  # the endpoints' own page (a URL nobody needs to open)


def add_to(demo: gr.Blocks, ctx: AppContext) -> PictorApi:
    """Add the endpoints to demo, once its UI is built (outside its `with`).

    They live on a page of their own, out of the navigation bar. gradio sends a page only its
    own components and events, and its front end does work for every pair of the two at
    load: the endpoints' ~40 placeholder components on the app's page cost every load.
    gradio_client reads the whole app's configuration and calls them by name as before.
    The UI's own events (about 250) stay callable by the page but leave the API description,
    which the page used to embed (3.7 MB on each load, half a second of the server's time).
    """
    api = PictorApi(ctx)
    with demo.route("API", API_PAGE, show_in_navbar=False):
        ours = {gr.api(_as_json_text(getattr(api, method)), api_name=name)["id"]: name
                for name, method in ENDPOINTS.items()}  # fmt: skip
    for block_fn in demo.fns.values():
        if block_fn._id in ours:
            block_fn.api_name = ours[block_fn._id]  # gradio suffixed the names the UI had
        elif block_fn.api_visibility == "public":
            block_fn.api_visibility = "undocumented"
            if block_fn.api_name in ENDPOINTS:
                block_fn.api_name = f"ui_{block_fn.api_name}"
    return api


def _as_json_text(method: Callable[..., Document]) -> Callable[..., str]:
    """The endpoint for a method: the same parameters, its document as JSON text."""

    @functools.wraps(method)
    def endpoint(*args: Any, **kwargs: Any) -> str:
        return json.dumps(method(*args, **kwargs), ensure_ascii=False)

    endpoint.__signature__ = inspect.signature(method).replace(return_annotation=str)  # type: ignore[attr-defined]
    endpoint.__annotations__ = {**method.__annotations__, "return": str}
    return endpoint


def _check_may_add(root: str, known: list[str]) -> None:
    """A folder the API may index: inside the user's home or inside a root the library
    already has (scan.outside_home_and_roots, the Library tab's rule too)."""
    if outside_home_and_roots(root, known) is not None:
        raise PictorError(
            f"{root} is outside your home folder and the library's folders: add it with "
            f"`python launch.py index {root}` or in the Library tab"
        )


def _run_in(slot: JobSlot, job: BackgroundJob, busy: str) -> Any:
    """Run job in the app's slot for its kind (refused with `busy` while one runs), wait
    for it, and return its result."""
    if not slot.try_start(job):
        raise PictorError(busy)
    while not job.done:
        job.wait_for_update(1.0)
    if job.error is not None:
        raise job.error
    return job.summary


def _strings(value: list[str] | str | None) -> list[str]:
    """A list of strings from a list, or from one string given where a list was meant."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [str(item) for item in items if str(item).strip()]


def _filter(value: dict[str, Any] | None) -> Filter:
    if value is None:
        return Filter()
    if not isinstance(value, dict):
        raise PictorError('a filter is an object of filter fields, e.g. {"min_width": 1000}')
    return Filter.parse(**value)


def _is_content(catalog: Catalog, text: str) -> bool:
    """Whether text is the content id of an image the library shows."""
    return bool(CONTENT_ID.fullmatch(text)) and catalog.shows_image(text)


def _content_of(catalog: Catalog, image: str) -> str:
    """The content of an image given by content id or by the path of one of its files."""
    image = (image or "").strip()
    if not image:
        raise PictorError("give an image: the path of a file of the library, or a content id")
    if _is_content(catalog, image):
        return image
    if CONTENT_ID.fullmatch(image) and not os.path.exists(image):
        raise PictorError(f"no image of the library has the content id {image}")
    return content_id_for_path(catalog, image)

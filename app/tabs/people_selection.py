"""Select many among a person's photos (Library → People): the People view's gallery wired
to the shared selection bar (app/selection.py). "Select all results" is every photo of the
person; after an action their photos are drawn again (a trashed one leaves them)."""

from __future__ import annotations

from app import selection
from app.context import AppContext
from app.tabs.people import PeopleView
from indexing.curate.people import People
from indexing.errors import PictorError
from indexing.names.wording import plural


def every_photo(ctx: AppContext, person_id: int | None) -> tuple[list[str], str]:
    if person_id is None:
        raise PictorError("Click a person first.")
    with ctx.catalog() as catalog:
        ids = People(catalog).photos(person_id)
    return ids, f"all {plural(len(ids), 'photo')} of this person"


def photos(ctx: AppContext, person_id: int | None) -> tuple[list[str], list[str]]:
    """The gallery's items and ids: the person's photos that have a thumbnail."""
    if person_id is None:
        return [], []
    try:
        ids = every_photo(ctx, person_id)[0]
    except PictorError:  # merged away meanwhile
        return [], []
    thumbs = ctx.library.thumbs
    shown = [cid for cid in ids if thumbs.has(cid)]
    return [str(thumbs.path_for(cid)) for cid in shown], shown


def listen(view: PeopleView, ctx: AppContext) -> None:
    if view.select is None:
        return
    selection.listen(view.select, ctx, selection.Wiring(
        view.photos, view.ids, lambda person_id: every_photo(ctx, person_id), [view.selected],
        lambda person_id: photos(ctx, person_id), [view.selected], [view.photos, view.ids],
        scope=[view.selected], scope_changes=True,
    ))  # fmt: skip

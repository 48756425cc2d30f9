"""The order of search results: best match first (the default), or by date, newest or
oldest first.

By date orders the matches at or above the minimum similarity, the best DATE_WINDOW of
them: without a minimum every image "matches", and the whole library by date is the
Filters tab's sort, not a search. The date is the one the rest of Pictor uses (the date
taken, else the file's time). An image without one (no date taken and a file time of 1970
or none, as archives without times leave) goes last in both directions.
"""

from __future__ import annotations

from enum import StrEnum

from indexing.errors import PictorError
from indexing.store import image_reads
from indexing.store.catalog import Catalog

DATE_WINDOW = 1000  # the best matches a date order sorts


class ResultOrder(StrEnum):
    score = "score"  # best match first
    newest = "newest"  # by date, newest first
    oldest = "oldest"  # by date, oldest first

    @property
    def by_date(self) -> bool:
        return self is not ResultOrder.score


def parse_order(text: str | ResultOrder | None) -> ResultOrder:
    """'score', 'newest' or 'oldest' (None: score); anything else, one clear sentence."""
    if text is None or text == "":
        return ResultOrder.score
    try:
        return ResultOrder(str(text).strip().lower())
    except ValueError:
        choices = ", ".join(order.value for order in ResultOrder)
        raise PictorError(f"The sort must be one of {choices} (got {text!r}).") from None


def dates_of(catalog: Catalog, ids: list[str]) -> dict[str, tuple[float, str]]:
    """(sortable epoch, 'YYYY-MM-DD') of each content that has a date."""
    return image_reads.dates_of(catalog, ids)


def by_date(
    catalog: Catalog, ranked: list[tuple[str, float]], order: ResultOrder
) -> list[tuple[str, float]]:
    """The (content id, score) pairs by date in that direction; equal dates by score, the
    undated last (by score)."""
    dates = dates_of(catalog, [cid for cid, _ in ranked])
    sign = -1.0 if order is ResultOrder.newest else 1.0
    dated = [item for item in ranked if item[0] in dates]
    undated = [item for item in ranked if item[0] not in dates]
    dated.sort(key=lambda item: (sign * dates[item[0]][0], -item[1], item[0]))
    undated.sort(key=lambda item: (-item[1], item[0]))
    return dated + undated

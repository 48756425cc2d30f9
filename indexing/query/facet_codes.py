"""Strings as integer codes: how the facet column store keeps a text column in numpy.

A column of cameras or days is held as one int32 per image, the code of its value in a
`Values` list (numbered in first-seen order; NONE for no value), so a facet count is a
bincount of codes rather than a GROUP BY over strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

NONE = -1  # the code of no value; an array of codes reads it as its last entry


def code_counts(codes: NDArray[np.integer], mask: NDArray[np.bool_], size: int) -> NDArray[np.intp]:
    """How many rows of mask hold each code 0..size-1 (NONE is not counted)."""
    picked = codes[mask]
    return np.bincount(picked[picked >= 0], minlength=size)


class Values:
    """The distinct values of one column, numbered in first-seen order."""

    def __init__(self, values: list[Any] | None = None):
        self.values: list[Any] = list(values or [])
        self.codes: dict[Any, int] = {value: code for code, value in enumerate(self.values)}

    def code(self, value: Any) -> int:
        """The value's code, numbering it if it is new; NONE for None."""
        if value is None:
            return NONE
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def copy(self) -> Values:
        new = Values()
        new.values, new.codes = list(self.values), dict(self.codes)
        return new

    def encode(self, values: list[Any]) -> NDArray[np.int32]:
        return np.array([self.code(value) for value in values], dtype=np.int32)

    def __len__(self) -> int:
        return len(self.values)

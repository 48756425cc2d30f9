"""The folder tree of the facet column store: folders as node codes, each with its parent.

The folder facet and the Filter's folder rule count an image at its folder and at every
folder above it up to its library root. The tree numbers those folders once, so the store
keeps (image row, folder node) pairs as two integer arrays and a count per folder is one
bincount.
"""

from __future__ import annotations

import copy

import numpy as np
from numpy.typing import NDArray

from indexing.query.facet_codes import NONE


class FolderTree:
    """The folders holding present files and their parents up to their library root."""

    def __init__(self, roots: list[str], paths: list[str] | None = None):
        self.roots = sorted({root.rstrip("/") or "/" for root in roots}, key=len, reverse=True)
        self.paths: list[str] = []
        self.parent: list[int] = []
        self.codes: dict[str, int] = {}
        self._arrays: tuple[NDArray[np.int64], NDArray[np.bool_]] | None = None
        for path in paths or ():
            self.node(path)

    def copy(self) -> FolderTree:
        new = copy.copy(self)
        new.paths, new.parent, new.codes = list(self.paths), list(self.parent), dict(self.codes)
        return new

    def node(self, path: str) -> int:
        """The code of a folder, adding it and its parents up to its root if they are new."""
        code = self.codes.get(path)
        if code is not None:
            return code
        code = self.codes[path] = len(self.paths)
        self.paths.append(path)
        self.parent.append(NONE)
        self._arrays = None
        root = self._root_of(path)
        if root is not None and path != root:
            self.parent[code] = self.node(path.rsplit("/", 1)[0] or "/")
        return code

    def _root_of(self, path: str) -> str | None:
        for root in self.roots:
            if path == root or path.startswith(root.rstrip("/") + "/"):
                return root
        return None

    def chain(self, code: int) -> list[int]:
        """The folder and its parents up to its root."""
        out = [code]
        while self.parent[out[-1]] != NONE:
            out.append(self.parent[out[-1]])
        return out

    @property
    def parents(self) -> NDArray[np.int64]:
        return self._numpy()[0]

    @property
    def is_root(self) -> NDArray[np.bool_]:
        return self._numpy()[1]

    def _numpy(self) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        if self._arrays is None:
            roots = set(self.roots)
            self._arrays = (
                np.array(self.parent, dtype=np.int64),
                np.array([path in roots for path in self.paths], dtype=bool),
            )
        return self._arrays

    def under(self, folder: str) -> NDArray[np.bool_]:
        """Node -> bool: the folder is `folder` or below it."""
        prefix = folder.rstrip("/") + "/"
        return np.fromiter(
            (path == folder or path.startswith(prefix) for path in self.paths),
            dtype=bool,
            count=len(self.paths),
        )

    def pairs(
        self, rows: NDArray[np.int64], folders: list[str]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """For (image row, folder it has a file in) pairs: the direct pairs as node codes,
        and the (row, node) pairs for every folder up to the root, each once."""
        direct = np.array([self.node(folder) for folder in folders], dtype=np.int64)
        chains = {int(code): self.chain(int(code)) for code in np.unique(direct)}
        lengths = np.array([len(chains[int(code)]) for code in direct], dtype=np.int64)
        nodes = np.fromiter(
            (node for code in direct for node in chains[int(code)]),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        span = max(len(self.paths), 1)
        key = np.unique(np.repeat(rows.astype(np.int64), lengths) * span + nodes)
        return direct, key // span, key % span

"""The same indexing against a real `chroma run` server on a free loopback port."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexing.store.vectors import VectorStore
from tests.browser import free_port
from tests.conftest import Pictor
from tests.library_builder import LibraryBuilder

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    process = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "chroma-server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # wait for the server to say it is listening
            if re.search(r"listening on address", line, re.IGNORECASE):
                break
        else:
            pytest.fail(f"chroma run exited with {process.wait()} before listening")
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_indexing_into_a_chroma_server(
    chroma_server, pictor: Pictor, library: LibraryBuilder, tmp_path: Path
) -> None:
    host, port = chroma_server
    paths = library.many(6)
    remote = Pictor(pictor.settings.data_dir, chroma_host=host, chroma_port=port)
    summary = remote.index(library.root)
    assert summary.embeddings.embedded == 6
    server = VectorStore.server(host, port)
    assert server.count(summary.embeddings.model) == 6
    assert not (pictor.settings.vectors_dir / "chroma.sqlite3").exists(), (
        "with a server configured, nothing goes to the embedded store"
    )
    cid = remote.image_for(paths[0])["content_id"]
    vector = server.get(summary.embeddings.model, [cid])[cid]
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    paths[1].rename(library.root / "moved.jpg")
    again = remote.index(library.root)
    assert again.moved == 1 and again.embeddings.embedded == 0
    assert server.count(summary.embeddings.model) == 6


def test_unreachable_server_still_indexes_and_says_why(run_cli, library: LibraryBuilder) -> None:
    library.many(2)
    code, out, err = run_cli(
        ["index", str(library.root), "--json"],
        env={"PICTOR_CHROMA_HOST": "127.0.0.1", "PICTOR_CHROMA_PORT": str(free_port())},
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["new"] == 2
    assert summary["embeddings"]["pending"] == 2
    assert "cannot reach the Chroma server" in summary["embeddings"]["message"]
    assert "cannot reach the Chroma server" in err
    assert "Traceback" not in err

"""A SIGKILL mid-index leaves a sound catalog, and the next run only does what is left."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import LAUNCH, REPO_ROOT

TOTAL = 400
KILL_AFTER = 30  # files written by the index stage; with commits every 10, >= 20 are durable


def kill_mid_index(args: list[str], env: dict[str, str]) -> list[dict]:
    """Start `launch.py index`, SIGKILL it once the index stage reports KILL_AFTER files."""
    process = subprocess.Popen(
        [sys.executable, str(LAUNCH), *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[dict] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if not line.startswith("{"):
                continue  # a warning, not a progress update
            update = json.loads(line)
            seen.append(update)
            if update["stage"] == "index" and update["done"] >= KILL_AFTER:
                process.send_signal(signal.SIGKILL)
                break
    finally:
        if process.poll() is None and not seen:
            process.kill()
        stdout, _ = process.communicate(timeout=60)
    assert seen and seen[-1]["done"] >= KILL_AFTER, f"never reached {KILL_AFTER}: {seen}"
    assert process.returncode == -signal.SIGKILL, "indexing finished before it could be killed"
    assert stdout == ""  # it never got to print its summary
    return seen


def catalog_facts(catalog_path) -> dict:
    conn = sqlite3.connect(catalog_path)
    try:
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "files": conn.execute("SELECT COUNT(*) FROM files").fetchone()[0],
            "distinct_paths": conn.execute("SELECT COUNT(DISTINCT path) FROM files").fetchone()[0],
            "images": conn.execute("SELECT COUNT(*) FROM images").fetchone()[0],
            "distinct_images": conn.execute(
                "SELECT COUNT(DISTINCT content_id) FROM images"
            ).fetchone()[0],
            "orphan_files": conn.execute(
                "SELECT COUNT(*) FROM files f LEFT JOIN images i USING (content_id) "
                "WHERE i.content_id IS NULL"
            ).fetchone()[0],
        }
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_mid_index_then_rerun(tmp_path, library, pictor_env) -> None:
    library.many(TOTAL, size=(96, 96))
    data = tmp_path / "data"
    env = {**os.environ, "PICTOR_COMMIT_EVERY": "10", "PICTOR_THREADS": "2"}
    args = ["--data-dir", str(data), "index", str(library.root)]

    updates = kill_mid_index([*args, "--progress", "json", "--json"], env)

    assert {u["stage"] for u in updates} >= {"scan", "index"}
    assert all(u["total"] == TOTAL for u in updates if u["stage"] == "index")
    after_kill = catalog_facts(data / "catalog.sqlite3")
    assert after_kill["integrity"] == "ok"
    assert KILL_AFTER - 10 <= after_kill["files"] < TOTAL

    rerun = subprocess.run(
        [sys.executable, str(LAUNCH), *args, "--json"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["errors"] == []
    assert summary["unchanged"] == after_kill["files"] > 0  # committed work is not redone
    assert summary["unchanged"] + summary["new"] == summary["files_seen"] == TOTAL
    assert (summary["moved"], summary["changed"], summary["deleted"]) == (0, 0, 0)

    final = catalog_facts(data / "catalog.sqlite3")
    assert final["integrity"] == "ok"
    assert final["files"] == final["distinct_paths"] == TOTAL
    assert final["images"] == final["distinct_images"] == TOTAL
    assert final["orphan_files"] == 0

"""The full-text index (SQLite FTS5) of what people remember about an image.

One FTS5 row per shown image (content), in columns a query can name:

    name     the file names of its present files
    folder   the folders they are in, below their root (and the root's own name)
    prompt   the AI-generation prompt (indexing.ingest.prompts.extract_prompt)
    text     the text read in the image itself (OCR: store/text_reads.py), and only that
    camera   the camera label, EXIF make and model, the lens
    place    city, region, country name and code
    subject  the subject tags of the current CLIP model
    caption  the user's caption (store.tags; its triggers queue the content too)
    chunks   every other text chunk: the full A1111 parameters, the strings of ComfyUI,
             InvokeAI and NovelAI JSON, descriptions, comments (XMP packets are skipped)

(The last two were part of `text` until migration 20.)

Tokenising. FTS5's unicode61 tokenizer (with diacritics folded: "sao" finds "São") splits
on every non-alphanumeric character, so '_', '-', '.' and spaces already separate words.
File names also glue words together ("invoiceScan2023", "IMG20230714"), and Python's
sqlite3 cannot register a C tokenizer, so `split_words` does the rest before the text
reaches FTS5: a word with camelCase or letter/digit boundaries is stored as itself and then
its parts ("invoiceScan2023 invoice Scan 2023"). Queries go through the same function (a
query word is a phrase of the same tokens, or the glued word itself), so "invoice",
"scan*", "2023", "invoicescan2023", "invoiceScan" and "IMG_2023" all find that file.

Keeping it in sync. Triggers (migration 10) put the content id of every insert, update,
move, trash or delete of an image, a file or a subject tag into search_dirty, inside the
writer's own transaction, so nothing can change without being queued. `refresh` rebuilds the
queued rows in short transactions of REFRESH_BATCH; the indexer calls it after each run, the
subject tagger after tagging, and every metadata query before it reads, so a query never
sees a stale row.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from indexing.names.facet_values import make_alias
from indexing.store.tags import captions_for
from indexing.store.text_reads import text_for_search

REFRESH_BATCH = 2000
MAX_COLUMN_CHARS = 32_768  # a 1 MB prompt chunk is indexed by its first 32 KB
FTS_COLUMNS = (
    "name",
    "folder",
    "prompt",
    "text",
    "camera",
    "place",
    "subject",
    "caption",
    "chunks",
)
SKIPPED_TEXT_KEYS = frozenset({"XMP", "XML:com.adobe.xmp", "icc_profile", "exif"})

_RUN = re.compile(r"[^\W_]+")


def parts_of(run: str) -> list[str]:
    """'invoiceScan2023' -> invoice, Scan, 2023; 'HTMLParser' -> HTML, Parser (any script)."""
    parts: list[str] = []
    start = 0
    for i in range(1, len(run)):
        before, here = run[i - 1], run[i]
        after = run[i + 1] if i + 1 < len(run) else ""
        if (
            before.isdigit() != here.isdigit()
            or (not before.isupper() and not before.isdigit() and here.isupper())
            or (before.isupper() and here.isupper() and after.islower())
        ):
            parts.append(run[start:i])
            start = i
    parts.append(run[start:])
    return parts


def split_words(text: str) -> list[str]:
    """Words for the index: each alphanumeric run, followed by its parts when it has any."""
    words: list[str] = []
    for run in _RUN.findall(text):
        words.append(run)
        pieces = parts_of(run)
        if len(pieces) > 1:
            words.extend(pieces)
    return words


def runs(text: str) -> list[str]:
    """The alphanumeric runs of text (what FTS5's unicode61 would see as words)."""
    return _RUN.findall(text)


def _indexed(text: str) -> str:
    return " ".join(split_words(text[:MAX_COLUMN_CHARS]))


def _json_strings(value: Any, out: list[str], budget: list[int]) -> None:
    """The string values of a JSON document (not its keys), each once."""
    if budget[0] <= 0:
        return
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 1 and text not in out:
            out.append(text)
            budget[0] -= len(text)
    elif isinstance(value, dict):
        for item in value.values():
            _json_strings(item, out, budget)
    elif isinstance(value, list):
        for item in value:
            _json_strings(item, out, budget)


def chunk_text(texts: dict[str, Any], prompt: str | None) -> str:
    """Every text chunk but the prompt itself, JSON reduced to its strings."""
    pieces: list[str] = []
    budget = [MAX_COLUMN_CHARS]
    for key, value in texts.items():
        if key in SKIPPED_TEXT_KEYS or not isinstance(value, str) or budget[0] <= 0:
            continue
        stripped = value.strip()
        if stripped.startswith(("{", "[")):
            try:
                _json_strings(json.loads(stripped), pieces, budget)
                continue
            except ValueError:
                pass
        if stripped and stripped != prompt:
            pieces.append(stripped[: budget[0]])
            budget[0] -= len(stripped)
    return "\n".join(pieces)


def _folder_words(path: str, roots: list[str]) -> str:
    folder = path.rsplit("/", 1)[0]
    for root in roots:
        if folder == root or folder.startswith(root.rstrip("/") + "/"):
            base = root.rstrip("/").rsplit("/", 1)[-1]
            return (base + " " + folder[len(root.rstrip("/")) :]).strip()
    return folder


def _document(
    image: sqlite3.Row,
    paths: list[str],
    tags: list[str],
    roots: list[str],
    caption: str = "",
    read: str = "",
):
    try:
        texts = json.loads(image["text_json"] or "{}")
    except ValueError:
        texts = {}
    names = " ".join(path.rsplit("/", 1)[-1] for path in paths)
    folders = " ".join(dict.fromkeys(_folder_words(path, roots) for path in paths))
    camera = " ".join(
        part
        for part in (
            image["camera"],
            image["camera_make"],
            image["camera_model"],
            image["lens"],
            make_alias(image["camera"]),
        )
        if part
    )
    place = " ".join(
        part
        for part in (
            image["place_city"],
            image["place_region"],
            image["place_country"],
            image["place_cc"],
        )
        if part
    )
    return (
        _indexed(names),
        _indexed(folders),
        _indexed(image["prompt"] or ""),
        _indexed(read),  # the text read in the image (up to 2,000 lines)
        _indexed(camera),
        _indexed(place),
        _indexed(" , ".join(tags)),
        _indexed(caption),
        _indexed(chunk_text(texts if isinstance(texts, dict) else {}, image["prompt"])),
    )


def pending(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM search_dirty").fetchone()[0]


def refresh(
    conn: sqlite3.Connection,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Rebuild the rows of every queued content; return how many were rebuilt.

    Each batch is one short write transaction, so a rating or the trash never waits long.
    """
    done = 0
    total = pending(conn) if progress else 0
    roots = [row[0] for row in conn.execute("SELECT path FROM roots ORDER BY length(path) DESC")]
    while not should_stop():
        conn.execute("BEGIN IMMEDIATE")
        try:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT content_id FROM search_dirty LIMIT ?", (REFRESH_BATCH,)
                )
            ]
            if ids:
                _rebuild(conn, ids, roots)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if not ids:
            break
        done += len(ids)
        if progress:
            progress(done, max(total, done))
    return done


def _marks(items: Iterable[Any]) -> str:
    return ",".join("?" for _ in items)


def _rebuild(conn: sqlite3.Connection, ids: list[str], roots: list[str]) -> None:
    marks = _marks(ids)
    previous = conn.execute(
        f"SELECT content_id, doc FROM search_docs WHERE content_id IN ({marks})", ids
    ).fetchall()
    doc_of = {row[0]: row[1] for row in previous}
    if doc_of:
        docs = list(doc_of.values())
        conn.execute(f"DELETE FROM search_fts WHERE rowid IN ({_marks(docs)})", docs)
    reader = conn.cursor()
    reader.row_factory = sqlite3.Row
    images = {
        row["content_id"]: row
        for row in reader.execute(
            "SELECT content_id, prompt, text_json, camera, camera_make, camera_model, lens, "
            "place_city, place_region, place_country, place_cc FROM images "
            f"WHERE content_id IN ({marks}) AND present_files > 0",
            ids,
        )
    }
    paths: dict[str, list[str]] = defaultdict(list)
    for cid, path in conn.execute(
        f"SELECT content_id, path FROM files WHERE content_id IN ({marks}) "
        "AND status = 'present' ORDER BY path",
        ids,
    ):
        paths[cid].append(path)
    tags: dict[str, list[str]] = defaultdict(list)
    for cid, tag in conn.execute(
        f"SELECT content_id, tag FROM subjects WHERE content_id IN ({marks}) "
        "ORDER BY content_id, score DESC",
        ids,
    ):
        tags[cid].append(tag)
    captions = captions_for(conn, ids)
    read = text_for_search(conn, ids)  # the text read in the images (OCR)
    gone = [cid for cid in doc_of if cid not in images or not paths.get(cid)]
    if gone:
        conn.execute(f"DELETE FROM search_docs WHERE content_id IN ({_marks(gone)})", gone)
    rows = []
    for cid, image in images.items():
        if not paths.get(cid):
            continue
        doc = doc_of.get(cid)
        if doc is None:
            doc = conn.execute("INSERT INTO search_docs(content_id) VALUES (?)", (cid,)).lastrowid
        document = _document(
            image, paths[cid], tags.get(cid, []), roots, captions.get(cid, ""), read.get(cid, "")
        )
        rows.append((doc, *document))
    conn.executemany(
        f"INSERT INTO search_fts(rowid, {', '.join(FTS_COLUMNS)}) "
        f"VALUES (?, {_marks(FTS_COLUMNS)})",
        rows,
    )
    conn.execute(f"DELETE FROM search_dirty WHERE content_id IN ({marks})", ids)

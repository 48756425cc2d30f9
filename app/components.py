"""Formatting shared by the tabs (sizes, captions, stats and metadata text), and the one
place where galleries of thumbnails are made."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import gradio as gr

from app.safe_text import code, literal
from indexing.errors import PictorError
from indexing.ingest.pipeline import IndexSummary
from indexing.names.wording import format_bytes
from indexing.query.listing import ListedImage
from indexing.records import timecode

# Copies a text (a prompt, a folder), also where the Clipboard API is missing (plain http from
# another machine), and says so on the button for a moment.
COPY_JS = """(text) => {
  const button = document.getElementById("%s");
  const copied = () => {
    if (!button) return;
    button.textContent = "Copied ✓";
    setTimeout(() => { button.textContent = "%s"; }, 1500);
  };
  const fallback = () => {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    if (document.execCommand("copy")) copied();
    area.remove();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(copied, fallback);
  } else {
    fallback();
  }
  return [];
}"""


def thumbnails(**options: Any) -> gr.Gallery:
    """A gallery of thumbnails, shown and clicked, never edited: every gallery in the app.

    Not interactive: gradio makes a gallery that is an event's input an upload box, which
    draws a × on each tile that only drops it from the page (the file stays, nothing is
    said) and shows an empty gallery as "Drop Media Here". Removing an image is the viewer's
    Move to trash, with Undo. No preview of its own: a click opens the app's viewer.
    """
    options = {"allow_preview": False, "height": "auto", **options}
    return gr.Gallery(interactive=False, **options)


def finite(value: float | None, label: str) -> float | None:
    """A number box's value, or None when empty; infinity and NaN are one clear error."""
    if value is None or value == "":
        return None
    number = float(value)
    if not math.isfinite(number):
        raise PictorError(f"{label}: must be a finite number")
    return number


def caption(item: ListedImage) -> str:
    date = (item.taken_at or "")[:10]
    return f"{item.width}×{item.height} {item.format}" + (f" · {date}" if date else "")


def stats_markdown(stats: dict[str, Any]) -> str:
    formats = ", ".join(f"{name} {count:,}" for name, count in stats["formats"].items())
    videos = stats.get("videos") or 0
    counted = (
        f"**{stats['images'] - videos:,} images and {videos:,} videos**"
        if videos
        else f"**{stats['images']:,} images**"
    )
    lines = [
        f"{counted} in {stats['files']:,} files, {format_bytes(stats['total_bytes'])}",
        f"Formats: {formats or 'none yet'}",
        f"Errors: {stats['errors']:,}"
        + (f", warnings: {stats['warnings']:,}" if stats.get("warnings") else "")
        + (" (see below)" if stats["errors"] or stats.get("warnings") else ""),
    ]
    embedded = stats.get("embeddings")
    if embedded is not None:
        lines.append(
            f"Embedded with {code(stats['model'])}: {embedded['done']:,}"
            + (f", {embedded['pending']:,} waiting" if embedded["pending"] else "")
            + (f", {embedded['failed']:,} failed" if embedded["failed"] else "")
        )
    faces = stats.get("faces")
    if faces and faces.get("enabled", True) and "faces" in faces:
        lines.append(
            f"Faces: {faces['faces']:,} in {faces['scanned']:,} photos scanned, "
            f"{faces['people']:,} people ({faces['named']:,} named)"
            + (f", {faces['pending']:,} photos waiting" if faces["pending"] else "")
        )
    if stats["missing_files"]:
        lines.append(f"Missing files: {stats['missing_files']:,} (kept with their ratings)")
    roots = ", ".join(code(r["path"]) for r in stats["roots"])
    lines.append(f"Folders: {roots or 'none yet: add one above'}")
    return "  \n".join(lines)


def summary_markdown(summary: IndexSummary) -> str:
    head = "Cancelled" if summary.cancelled else "Done"
    text = (
        f"**{head}** in {summary.seconds:.1f}s: {summary.files_seen:,} files seen, "
        f"{summary.new:,} new, {summary.changed:,} changed, {summary.moved:,} moved, "
        f"{summary.deleted:,} deleted, {summary.unchanged:,} unchanged, "
        f"{len(summary.errors):,} errors."
    )
    embeddings = summary.embeddings
    if embeddings is not None:
        text += (
            f"  \nEmbeddings: {embeddings.embedded:,} new, {embeddings.failed:,} failed, "
            f"{embeddings.pending:,} waiting."
        )
        if embeddings.message:
            text += f"  \n⚠️ {literal(embeddings.message)}"
    return text


def errors_markdown(rows: Sequence[dict[str, str]], warnings: Sequence[dict[str, str]] = ()) -> str:
    """Files that could not be indexed, then files indexed with something skipped."""
    if not rows and not warnings:
        return "No indexing errors."
    lines = [f"- {code(r['path'])}: {literal(r['reason'])}" for r in rows]
    lines += [f"- ⚠️ {code(w['path'])}: {literal(w['message'])}" for w in warnings]
    return "\n".join(lines)


def detail_markdown(detail: dict[str, Any], *, dated: bool = True, prompt: bool = True) -> str:
    """Every field that came from the file (names, EXIF, prompt) is shown literally.

    dated=False and prompt=False leave out the date and the prompt, for panels that show them
    in sections of their own (the date with its source: app/detail_panel.py; the generation:
    app/detail_generation.py)."""
    lines = [
        f"**{detail['width']}×{detail['height']} {literal(detail['format'])}**, "
        f"{format_bytes(detail['bytes'])}"
    ]
    if detail.get("kind") == "video":
        codec = f", {literal(detail['video_codec'])}" if detail.get("video_codec") else ""
        lines.append(f"Video: {timecode(detail.get('duration') or 0)}{codec}")
    if dated and detail.get("taken_at"):
        lines.append(f"Taken: {literal(detail['taken_at'])}")
    camera = " ".join(p for p in (detail.get("camera_make"), detail.get("camera_model")) if p)
    if camera:
        lens = f", lens {literal(detail['lens'])}" if detail.get("lens") else ""
        lines.append(f"Camera: {literal(camera)}{lens}")
    if detail.get("gps_lat") is not None:
        lines.append(f"GPS: {detail['gps_lat']:.5f}, {detail['gps_lon']:.5f}")
    if detail.get("rating") is not None:
        lines.append(f"Your rating: {detail['rating']:g}")
    elif detail.get("predicted") is not None:
        spread = detail.get("uncertainty")
        lines.append(
            f"Predicted rating: {detail['predicted']:.1f}"
            + (f" ± {spread:.1f}" if spread is not None else "")
            + " (rate it to make it yours)"
        )
    if prompt and detail.get("prompt"):
        lines.append(f"Prompt: {literal(detail['prompt'], multiline=True, limit=500)}")
    lines.append(f"Added: {datetime.fromtimestamp(detail['added_at']):%Y-%m-%d %H:%M}")
    lines.append("Files:")
    lines += [
        f"- {code(p['path'])}" + (" (missing)" if p["status"] != "present" else "")
        for p in detail["paths"]
    ]
    return "  \n".join(lines) + f"\n\nContent id: {code(detail['content_id'])}"

"""The Rate tab's backup: export every rating, preference, change and "not duplicates"
decision as the JSON document of `ratings export` (downloadable), and import one back, as
`ratings import` does."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from app.context import AppContext
from app.safe_text import literal
from indexing.curate import ratings_file
from indexing.errors import PictorError


@dataclass
class BackupPanel:
    export: gr.Button
    file: gr.File
    upload: gr.File
    on_conflict: gr.Radio
    load: gr.Button
    message: gr.Markdown


def render() -> BackupPanel:
    with gr.Accordion("Back up your ratings", open=False, elem_id="ratings-backup"):
        gr.Markdown(
            "Every rating, preference, change and not-duplicates decision, as one JSON file "
            "(the same as `launch.py ratings export`). Import one back to restore it here or "
            "on another machine: it applies to the same images wherever they are."
        )
        with gr.Row(equal_height=True):
            export = gr.Button("Export ratings", elem_id="ratings-export")
            file = gr.File(label="Your export", interactive=False, elem_id="ratings-export-file")
        with gr.Row(equal_height=True):
            upload = gr.File(
                label="An export to import", file_types=[".json"], elem_id="ratings-import-file"
            )
            on_conflict = gr.Radio(
                list(ratings_file.CONFLICT_MODES),
                value="newer",
                label="An image rated on both sides keeps",
                info="keep: yours here · replace: the file's · newer: the later of the two",
                elem_id="ratings-import-conflict",
            )
            load = gr.Button("Import ratings", elem_id="ratings-import")
        message = gr.Markdown("", elem_id="ratings-backup-message")
    return BackupPanel(export, file, upload, on_conflict, load, message)


def listen(panel: BackupPanel, ctx: AppContext) -> None:
    def export():
        folder = Path(ctx.settings.data_dir) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / time.strftime("pictor-ratings-%Y%m%d-%H%M%S.json")
        with ctx.catalog() as catalog:
            counts = ratings_file.write_export(catalog, target)
        return str(target), literal(ratings_file.export_sentence(target, counts))

    def load(upload: str | None, on_conflict: str):
        if not upload:
            raise PictorError("Choose an export file to import first.")
        document = ratings_file.read_document(upload)
        with ctx.catalog() as catalog:
            report = ratings_file.import_document(catalog, document, on_conflict)
        return literal(ratings_file.import_sentence(Path(upload).name, report))

    panel.export.click(export, None, [panel.file, panel.message])
    panel.load.click(load, [panel.upload, panel.on_conflict], [panel.message])

"""Library → "Share an album": make a read-only link to one album (optionally with a
password and an expiry), see it to copy, and stop sharing. The same core as `launch.py
album share|unshare` (indexing.curate.shares); the guest's page is app/shared_album.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.context import AppContext
from app.exposure import is_loopback
from app.safe_text import literal
from app.share_links import links, open_app_warning
from indexing.curate.albums import Albums
from indexing.curate.shares import Shares
from indexing.errors import PictorError
from indexing.names.wording import plural

EXPIRIES = {"Never": None, "1 day": "1d", "7 days": "7d", "30 days": "30d"}


@dataclass
class SharePanel:
    box: gr.Accordion
    album: gr.Dropdown
    password: gr.Textbox
    expires: gr.Dropdown
    share: gr.Button
    stop: gr.Button
    link: gr.Textbox
    message: gr.Markdown


def render() -> SharePanel:
    with gr.Accordion("Share an album", open=False, elem_id="share-panel") as box:
        gr.Markdown(
            "A link that shows one album (its photos, a viewer and downloads) and nothing "
            "else of your library. Anyone with the link can open it, without your login."
        )
        with gr.Row(equal_height=True):
            album = gr.Dropdown(label="Album", choices=[], scale=3, elem_id="share-album")
            expires = gr.Dropdown(
                label="Expires", choices=list(EXPIRIES), value="Never", scale=1,
                elem_id="share-expires",
            )  # fmt: skip
        password = gr.Textbox(
            label="Password (optional: the guest must type it)", type="password",
            elem_id="share-password",
        )  # fmt: skip
        with gr.Row():
            share = gr.Button("Share this album", variant="primary", elem_id="share-album-button")
            stop = gr.Button("Stop sharing", elem_id="share-stop")
        link = gr.Textbox(
            label="Link (shown once: copy it now)", interactive=False, buttons=["copy"], lines=2,
            elem_id="share-link",
        )  # fmt: skip
        message = gr.Markdown("", elem_id="share-message")
    return SharePanel(box, album, password, expires, share, stop, link, message)


def listen(panel: SharePanel, ctx: AppContext) -> None:
    def load() -> gr.Dropdown:
        with ctx.catalog() as catalog:
            return gr.Dropdown(choices=[a.path for a in Albums(catalog).listed()])

    def share(album: str | None, password: str, expires: str) -> tuple[str, str]:
        if not album:
            return "", "Pick an album first."
        try:
            with ctx.catalog() as catalog:
                made = Shares(catalog).share(album, password or None, EXPIRIES.get(expires))
        except PictorError as exc:
            return "", f"⚠️ {literal(str(exc))}"
        where = links(ctx.settings, made.path)
        lines = [f"Shared **{literal(made.share.album_path or album)}**."]
        if where["public"]:
            lines.append(f"Public link: `{where['public']}`")
        warning = open_app_warning(ctx.settings)
        if warning and not is_loopback(ctx.settings.host):
            lines.append(f"⚠️ {warning}")
        if is_loopback(ctx.settings.host):
            lines.append(
                "This app listens on this computer only: start it with `--host 0.0.0.0` "
                "(and a password) so that others on your network can open the link."
            )
        return where["public"] or where["local"], " ".join(lines)

    def stop(album: str | None) -> tuple[str, str]:
        if not album:
            return "", "Pick an album first."
        try:
            with ctx.catalog() as catalog:
                gone = Shares(catalog).unshare(album)
        except PictorError as exc:
            return "", f"⚠️ {literal(str(exc))}"
        return "", f"Stopped sharing: {plural(len(gone), 'link')} revoked; they open nothing now."

    panel.box.expand(load, None, panel.album)
    panel.share.click(
        share, [panel.album, panel.password, panel.expires], [panel.link, panel.message]
    )
    panel.stop.click(stop, [panel.album], [panel.link, panel.message])

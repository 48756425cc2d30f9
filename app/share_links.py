"""The addresses of a share link: its path (/shared/TOKEN), the full URL on this machine's
network (from the settings' host and port), and the public one while the app runs with
--share (the app writes its gradio.live address to the data folder as it starts, and
removes it as it stops, so the CLI can print it too).
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

from indexing.settings import Settings

PUBLIC_URL_FILE = "public_url"  # in the data folder, while an app runs with --share


def local_base(settings: Settings) -> str:
    """http://HOST:PORT as another machine of the network reaches the app (for 0.0.0.0,
    this machine's own address; for 127.0.0.1, this machine only)."""
    host = settings.host.strip("[]")
    try:
        unspecified = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        unspecified = False
    if unspecified:
        try:
            host = socket.gethostbyname(socket.gethostname())
        except OSError:
            host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{settings.port}"


def public_base(settings: Settings) -> str | None:
    try:
        text = (settings.data_dir / PUBLIC_URL_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text.rstrip("/") if text.startswith("https://") else None


def links(settings: Settings, path: str) -> dict[str, Any]:
    public = public_base(settings)
    return {
        "path": path,
        "local": local_base(settings) + path,
        "public": public + path if public else None,
    }


def remember_public(data_dir: Path, url: str | None) -> None:
    """Note (or, with None, forget) the public address of the running app."""
    file = data_dir / PUBLIC_URL_FILE
    if url:
        file.write_text(url.rstrip("/") + "\n", encoding="utf-8")
    else:
        file.unlink(missing_ok=True)


def open_app_warning(settings: Settings) -> str | None:
    """A sentence when the app itself has no password: then anyone who can open a share
    link can also open the whole app at the same address."""
    if settings.auth or settings.auth_file:
        return None
    return (
        "The app has no password: anyone who can open this link can open the whole app "
        "too. Start it with --auth USER:PASSWORD or --auth-file FILE before sharing beyond "
        "this computer."
    )

"""Pictor: start the UI, or run one CLI command. Parses arguments and dispatches; nothing more.

Each area's commands live in app/cli/ (library, find, ratings, ...); this file assembles
the parser from them and runs the one asked for.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from pydantic import ValidationError

from app.cli import (
    album_commands,
    duplicate_commands,
    evaluator_commands,
    find_commands,
    library_commands,
    metadata_commands,
    people_commands,
    rating_commands,
    text_commands,
    trash_commands,
)
from app.cli.common import DATA_DIR_HELP, Handler, OneLineParser
from indexing.errors import PictorError
from indexing.library import Library
from indexing.settings import Settings

COMMAND_MODULES = (
    library_commands,
    find_commands,
    rating_commands,
    duplicate_commands,
    evaluator_commands,
    trash_commands,
    metadata_commands,
    album_commands,
    people_commands,
    text_commands,
)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = OneLineParser(prog="launch.py", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help=DATA_DIR_HELP)
    parser.add_argument("--host", help="UI address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="UI port (default 7860)")
    parser.add_argument(
        "--share",
        action="store_true",
        default=None,
        help="also serve the UI on a public gradio.live link (needs --auth or --auth-file)",
    )
    parser.add_argument(
        "--library",
        action="append",
        default=[],
        metavar="PATH",
        help="add this folder and index it in the background as the UI starts (repeatable)",
    )
    parser.add_argument("--auth", help="protect the UI with USER:PASSWORD")
    parser.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="also answer to this Host name, e.g. a reverse proxy's (repeatable)",
    )
    parser.add_argument(
        "--auth-file",
        help="protect the UI with the USER:PASSWORD lines of this file (keeps passwords out "
        "of the process list; should be chmod 600); USER:PASSWORD:viewer may browse and "
        "search but change nothing",
    )
    # Also accepted after the command; SUPPRESS keeps a value given before it.
    common = OneLineParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=DATA_DIR_HELP)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("ui", parents=[common], help="start the web UI (the default)")
    handlers: dict[str, Handler] = {"ui": cmd_ui}
    for module in COMMAND_MODULES:
        handlers.update(module.register(commands, common))
    return parser, handlers


def make_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for flag, key in (
        ("data_dir", "data_dir"),
        ("host", "host"),
        ("port", "port"),
        ("share", "share"),
        ("auth", "auth"),
        ("auth_file", "auth_file"),
        ("threads", "threads"),
        ("embed", "embed"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[key] = value
    if getattr(args, "allowed_host", None):
        overrides["allowed_hosts"] = ",".join(args.allowed_host)
    return Settings(**overrides)


def cmd_ui(args: argparse.Namespace, library: Library) -> int:
    from app.exposure import check_exposure, credentials

    # Refuse an unprotected --share (or a bad --auth) before gradio is even imported.
    from indexing.ingest.scan import resolve_root

    settings = library.settings
    logins = credentials(settings.auth, settings.auth_file, warn=lambda _: None)
    check_exposure(settings.host, settings.port, settings.share, logins)
    folders = [resolve_root(folder) for folder in getattr(args, "library", [])]
    from app.ui import launch_ui

    launch_ui(settings, folders=folders, library=library)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser, handlers = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args, extra = parser.parse_known_args(argv)
    if extra:
        # `find fox -cat`: a word to leave out reads like an option to argparse.
        if args.command == "find" and all(word[:1] == "-" != word[1:2] for word in extra):
            args.text = " ".join(part for part in (args.text, *extra) if part)
        else:
            parser.parse_args(argv)  # says which argument it does not know, and exits 2
    try:
        # One Library for the whole run, as rclip's init_rclip builds its one object: cheap,
        # since nothing opens or loads until the command asks for it.
        library = Library(make_settings(args))
        return handlers[args.command or "ui"](args, library)
    except PictorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        print(f"error: invalid setting {where}: {first['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, never a traceback (PICTOR_DEBUG=1 shows it)
        if os.environ.get("PICTOR_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""What every command shares: the one-line-error parser, bounded numbers, JSON or text."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeAlias

from indexing.library import Library

# The subcommands' parser group that each command module adds its commands to.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# A command: its parsed arguments and the one Library launch.py built for this run (cheap:
# nothing opens or loads until the command asks), to an exit status.
Handler = Callable[[argparse.Namespace, Library], int]

DATA_DIR_HELP = (
    "where the catalog and thumbnails live (default: PICTOR_DATA_DIR, else the per-user "
    "data folder); may come before or after the command"
)
RANDOM_WARNING = (
    "warning: CLIP uses RANDOM weights (PICTOR_CLIP_PRETRAINED=random): embeddings are "
    "meaningless, for tests and benchmarks only"
)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (status 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message} (see: {self.prog} --help)\n")
        sys.exit(2)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high], else one clear line."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,} (got {text})")
        return value

    return parse


def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """One JSON document on stdout with --json, else the human-readable text."""
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(text)


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)

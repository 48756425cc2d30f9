"""`text`: the words read in one image (OCR), with their boxes and confidence."""

from __future__ import annotations

import argparse

from app.cli.common import Commands, Handler, emit
from indexing.library import Library


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    text = commands.add_parser(
        "text",
        parents=[common],
        help="the text read in an image (OCR): lines, boxes and confidence",
        description=(
            "Prints what indexing read in the image; an image not read yet (or not in the "
            "library) is read now."
        ),
    )
    text.add_argument("path", help="an image file")
    text.add_argument("--json", action="store_true", help="print one JSON document")
    return {"text": cmd_text}


def cmd_text(args: argparse.Namespace, library: Library) -> int:
    from indexing.errors import PictorError

    report = library.text_of(args.path)
    if report["state"] == "failed":
        raise PictorError(f"{report['path']}: {report['reason']}")
    if not report["lines"]:
        lines = [f"{report['path']}: no text found"]
    else:
        lines = [
            f"{line['confidence']:.2f}  {_box(line['box'])}  {line['text']}"
            for line in report["lines"]
        ]
        if report["reason"]:
            lines.append(f"note: {report['reason']}")
    emit(args, report, "\n".join(lines))
    return 0


def _box(box: list[list[int]]) -> str:
    """The box as x,y of its top-left corner and its size."""
    xs = [point[0] for point in box]
    ys = [point[1] for point in box]
    return f"{min(xs):>5},{min(ys):<5} {max(xs) - min(xs):>4}x{max(ys) - min(ys):<4}"

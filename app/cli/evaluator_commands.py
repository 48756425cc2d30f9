"""`train`, `predict` and `evaluators`: the personal evaluator from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.cli.common import Commands, Handler, emit
from app.cli.progress import cli_progress
from indexing.library import Library

if TYPE_CHECKING:  # the evaluator loads when a command trains or predicts, not at start
    from evaluator.training_data import TrainProgress


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    train = commands.add_parser(
        "train", parents=[common], help="train your evaluator on your ratings and preferences"
    )
    train.add_argument("--json", action="store_true", help="print one JSON document")
    train.add_argument(
        "--progress", choices=("auto", "json", "none"), default="auto",
        help="progress on stderr: auto (when stderr is a terminal), json lines, or none",
    )  # fmt: skip
    train.add_argument(
        "--activate-anyway", action="store_true",
        help="make the new evaluator active even if it does not beat the baseline",
    )  # fmt: skip
    predict = commands.add_parser("predict", parents=[common], help="refresh every prediction")
    predict.add_argument("--json", action="store_true", help="print one JSON document")
    listing = commands.add_parser(
        "evaluators", parents=[common], help="list trained evaluators, or switch with --use ID"
    )
    listing.add_argument("--use", metavar="ID", help="make this evaluator active again")
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    return {"train": cmd_train, "predict": cmd_predict, "evaluators": cmd_evaluators}


def _training_progress(mode: str) -> Callable[[TrainProgress], None] | None:
    if mode == "none" or (mode == "auto" and not sys.stderr.isatty()):
        return None

    def report(update: TrainProgress) -> None:
        if mode == "json":
            fields = ("stage", "fold", "folds", "epoch", "epochs", "loss")
            line = {name: getattr(update, name) for name in fields}
            print(json.dumps(line), file=sys.stderr, flush=True)
        else:
            print(f"\r{describe(update)}", end="", file=sys.stderr, flush=True)

    return report


def describe(update: TrainProgress) -> str:
    loss = f", loss {update.loss:.3f}" if update.loss is not None else ""
    fold = f" fold {update.fold}/{update.folds}" if update.folds else ""
    return f"{update.stage}{fold}, step {update.epoch}/{update.epochs}{loss}"


def cmd_train(args: argparse.Namespace, library: Library) -> int:
    from evaluator import service
    from evaluator.calibration import interval_sentence

    outcome = service.train(
        library, progress=_training_progress(args.progress), activate_anyway=args.activate_anyway
    )
    data = outcome.as_dict()
    model, base = data["metrics"] or {}, data["baseline"] or {}
    lines = [
        f"Trained {data['model_id']} on {data['ratings']} ratings and {data['pairs']} "
        f"preferences ({data['skipped']} without a CLIP vector left out).",
        f"Held-out: MAE {_number(model.get('mae'))} (baseline {_number(base.get('mae'))}), "
        f"Spearman {_number(model.get('spearman'))}, pairwise accuracy "
        f"{_number(model.get('pairwise_accuracy'))} (baseline "
        f"{_number(base.get('pairwise_accuracy'))}).",
        interval_sentence(data["interval"]),
        ("" if outcome.beats_baseline else "WARNING: ") + data["message"],
    ]
    if outcome.activated:
        lines.append(f"Predicted {data['predicted']:,} images.")
    elif not outcome.beats_baseline:
        lines.append(f"To use it all the same: launch.py evaluators --use {data['model_id']}")
    emit(args, data, "\n".join(line for line in lines if line))
    return 0


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def cmd_predict(args: argparse.Namespace, library: Library) -> int:
    from evaluator import service

    progress = cli_progress("auto")
    try:
        count = service.predict(library, progress=progress)
    finally:
        progress.close()
    emit(args, {"predicted": count}, f"Predicted {count:,} images.")
    return 0


def cmd_evaluators(args: argparse.Namespace, library: Library) -> int:
    from evaluator import service

    if args.use:
        service.use(library, args.use)
    records = service.evaluators(library)
    state = service.status(library)
    rows = []
    for record in records:
        metrics = record.report.get("model") or {}
        rows.append(
            f"{'*' if record.active else ' '} {record.id}  {record.clip_model_id}  "
            f"{record.ratings} ratings, {record.pairs} pairs  "
            f"MAE {_number(metrics.get('mae'))}  Spearman {_number(metrics.get('spearman'))}"
        )
    text = "\n".join(rows) or "No evaluator trained yet."
    if state["stale"]:
        text += f"\n{state['message']}"
    data = {"evaluators": [r.as_dict() for r in records], "stale": state["stale"]}
    emit(args, data, text)
    return 0

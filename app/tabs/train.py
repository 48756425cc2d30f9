"""The Train tab: how much feedback there is, Train (with progress and Cancel), the honest
validation next to the baseline, a scatter plot and a learning curve, and the history of
evaluators with a way back to an earlier one.

A new evaluator that does not beat the baseline is not put in use: the tab says so, keeps
the previous one, and offers "Use it anyway".

Training runs in a background job, so the other tabs keep working while it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gradio as gr
import pandas as pd

from app.context import AppContext
from app.jobs import BackgroundJob
from app.safe_text import code, literal
from evaluator import service
from evaluator.calibration import interval_sentence
from evaluator.training_data import TrainProgress
from indexing.errors import PictorError

METRICS = (
    ("MAE (lower is better)", "mae"),
    ("Spearman", "spearman"),
    ("Ordering of held-out ratings", "rating_order_accuracy"),
    ("Ordering of held-out preferences", "pairwise_accuracy"),
)


@dataclass
class TrainTab:
    status: gr.Markdown
    train: gr.Button
    cancel: gr.Button
    progress: gr.Markdown
    anyway: gr.Button
    pending: gr.State  # the id of an evaluator that did not beat the baseline, not in use
    metrics: gr.Markdown
    scatter: gr.ScatterPlot
    curve: gr.LinePlot
    history: gr.Dataframe
    choice: gr.Dropdown
    use: gr.Button
    message: gr.Markdown


def render() -> TrainTab:
    status = gr.Markdown("", elem_id="train-status")
    with gr.Row(equal_height=True):
        train = gr.Button("Train image evaluator", variant="primary", elem_id="train-run")
        cancel = gr.Button("Cancel", variant="stop", elem_id="train-cancel")
    progress = gr.Markdown("", elem_id="train-progress")
    anyway = gr.Button("Use it anyway", visible=False, elem_id="train-use-anyway")
    metrics = gr.Markdown("", elem_id="train-metrics")
    with gr.Row():
        scatter = gr.ScatterPlot(
            x="your rating", y="predicted", title="Held-out images: predicted against your rating",
            height=320, elem_id="train-scatter",
        )  # fmt: skip
        curve = gr.LinePlot(
            x="ratings used", y="value", color="series", title="Learning curve (Spearman)",
            height=320, elem_id="train-curve",
        )  # fmt: skip
    gr.Markdown("#### Trained evaluators")
    history = gr.Dataframe(interactive=False, wrap=True, elem_id="train-history")
    with gr.Row(equal_height=True):
        choice = gr.Dropdown([], label="Evaluator", scale=3, elem_id="train-choice")
        use = gr.Button("Use this evaluator", scale=1, elem_id="train-use")
    message = gr.Markdown("", elem_id="train-message")
    return TrainTab(status, train, cancel, progress, anyway, gr.State(None), metrics, scatter,
                    curve, history, choice, use, message)  # fmt: skip


def status_text(ctx: AppContext) -> str:
    state = service.status(ctx.library)
    ties = f" ({state['ties']:,} of them ties)" if state["ties"] else ""
    lines = [
        f"**{state['ratings']:,} ratings** and **{state['pairs']:,} preferences**{ties}. "
        f"Training needs at least {state['needed']} ratings (a preference counts half).",
        literal(state["message"]),
    ]
    active = state["active"]
    if active and not state["stale"]:
        lines.append(f"Active evaluator: {code(active['id'])}, trained on {active['ratings']:,} "
                     f"ratings and {active['pairs']:,} preferences.")  # fmt: skip
    return "  \n".join(lines)


def metrics_table(report: dict[str, Any]) -> str:
    """Model and baseline side by side, from the same code on the same folds."""
    model, base = report.get("model") or {}, report.get("baseline") or {}
    rows = [
        f"| {label} | {_value(model.get(key))} | {_value(base.get(key))} |"
        for label, key in METRICS
    ]
    pairs, ties = report.get("n_pairs", 0), report.get("n_ties", 0)
    tied = f" ({ties:,} of them ties, which train but are not scored)" if ties else ""
    counts = (
        f"{report.get('folds', '?')}-fold cross-validation on {report.get('n_ratings', 0):,} "
        f"ratings and {pairs + ties:,} preferences{tied}; the baseline always predicts the "
        "mean training rating."
    )
    lines = ["| held out | your evaluator | baseline |", "|---|---|---|", *rows, "", counts]
    interval = interval_sentence(report.get("interval"))
    if interval:
        lines += ["", interval]
    if report.get("beats_baseline") is False:
        lines = [f"⚠️ **{WORSE}**", "", *lines]
    return "\n".join(lines)


WORSE = "This evaluator does not beat the baseline on held-out images."


def _value(number: Any) -> str:
    return "–" if number is None else f"{number:.3f}"


def scatter_frame(report: dict[str, Any]) -> pd.DataFrame:
    points = report.get("scatter") or {}
    return pd.DataFrame(
        {"your rating": points.get("true", []), "predicted": points.get("predicted", [])},
        dtype=float,
    )


def curve_frame(report: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for point in report.get("learning_curve") or []:
        for series in ("model", "baseline"):
            value = (point.get(series) or {}).get("spearman")
            name = "your evaluator" if series == "model" else "baseline"
            if value is not None:
                rows.append(
                    {"ratings used": point["n_train_ratings"], "value": value, "series": name}
                )
    # Typed even when empty: the plot keeps the axis types of the first frame it gets, and
    # an empty frame's object columns would make both axes lists of raw labels, no line.
    frame = pd.DataFrame(rows, columns=["ratings used", "value", "series"])
    return frame.astype({"ratings used": float, "value": float, "series": str})


def history_frame(ctx: AppContext) -> tuple[pd.DataFrame, list[str]]:
    rows = []
    records = service.evaluators(ctx.library)
    for record in records:
        model = record.report.get("model") or {}
        rows.append({
            "active": "✓" if record.active else "",
            "trained": datetime.fromtimestamp(record.created_at).strftime("%Y-%m-%d %H:%M"),
            "id": record.id,
            "ratings": record.ratings,
            "preferences": record.pairs,
            "CLIP model": record.clip_model_id,
            "skipped": record.skipped,
            "MAE": _value(model.get("mae")),
            "Spearman": _value(model.get("spearman")),
            "pair accuracy": _value(model.get("pairwise_accuracy")),
        })  # fmt: skip
    columns = ["active", "trained", "id", "ratings", "preferences", "CLIP model", "skipped", "MAE",
               "Spearman", "pair accuracy"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns), [r.id for r in records]


def describe(update: Any) -> str:
    if isinstance(update, TrainProgress):
        fold = f", fold {update.fold + 1} of {update.folds}" if update.folds else ""
        loss = f", loss {update.loss:.3f}" if update.loss is not None else ""
        share = f" ({update.fraction:.0%})" if update.fraction is not None else ""
        return (
            f"Training{share}: {update.stage}{fold}, step {update.epoch} of {update.epochs}{loss}"
        )
    return update.describe() if hasattr(update, "describe") else "Working…"


def listen(tab: TrainTab, ctx: AppContext, opened: gr.Tab) -> None:
    outputs = [
        tab.status,
        tab.metrics,
        tab.scatter,
        tab.curve,
        tab.history,
        tab.choice,
        tab.message,
    ]
    offer = [tab.anyway, tab.pending]  # "Use it anyway" and the evaluator it would use
    no_offer = (gr.Button(visible=False), None)

    def refresh(message: str = "", report: dict | None = None):
        frame, ids = history_frame(ctx)
        active = next((r for r in service.evaluators(ctx.library) if r.active), None)
        report = report or (active.report if active else {})
        chooser = gr.Dropdown(choices=ids, value=active.id if active else None)
        table = metrics_table(report) if report else ""
        return (status_text(ctx), table, scatter_frame(report), curve_frame(report), frame,
                chooser, message)  # fmt: skip

    def train():
        library = ctx.library
        job = BackgroundJob(
            lambda report, token: service.train(
                library, progress=report, cancel=lambda: token.cancelled, predict_progress=report
            ),
            "train",
        )
        if not ctx.training.try_start(job):
            busy = "Training is already running; wait for it or press Cancel."
            yield (busy, *no_offer, *refresh())
            return
        for text in job.updates(describe):
            yield (text, *[gr.skip()] * (len(offer) + len(outputs)))
        if job.error is not None:
            yield (f"⚠️ {job.failure('Training')}", *no_offer, *refresh())
            return
        outcome = job.summary
        record = outcome.record
        if not outcome.activated:
            warning = f"⚠️ **{literal(outcome.verdict())}**"
            yield (warning, gr.Button(visible=True), record.id, *refresh(report=record.report))
            return
        done = f"Done: {code(record.id)} is active; {outcome.predicted:,} images predicted."
        if record.skipped:
            done += (
                f" {record.skipped:,} ratings or choices were left out: their images"
                " have no CLIP vector under this model yet."
            )
        yield (done, *no_offer, *refresh(report=record.report))

    def cancel():
        return ctx.training.cancel(
            "Nothing is training.", "Cancelling… the previous evaluator stays active."
        )

    def use(evaluator_id: str | None):
        if not evaluator_id:
            return refresh("Choose an evaluator first.")
        try:
            record = service.use(ctx.library, evaluator_id)
        except PictorError as exc:
            return refresh(f"⚠️ {literal(exc)}")
        return refresh(f"{code(record.id)} is active again; predictions updated.", record.report)

    def use_anyway(evaluator_id: str | None):
        """The user's choice: the evaluator that did not beat the baseline, in use."""
        if not evaluator_id:
            return ("", *no_offer, *refresh())
        try:
            record = service.use(ctx.library, evaluator_id)
        except PictorError as exc:
            return (f"⚠️ {literal(exc)}", *no_offer, *refresh())
        chosen = (
            f"{code(record.id)} is active as you chose, though it does not beat the baseline; "
            "predictions updated."
        )
        return (chosen, *no_offer, *refresh(report=record.report))

    opened.select(refresh, None, outputs)
    tab.train.click(train, None, [tab.progress, *offer, *outputs])
    tab.cancel.click(cancel, None, [tab.progress], queue=False)
    tab.use.click(use, [tab.choice], outputs)
    tab.anyway.click(use_anyway, [tab.pending], [tab.progress, *offer, *outputs])

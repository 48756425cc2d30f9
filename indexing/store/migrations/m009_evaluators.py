"""Migration 9: the evaluator registry. Each trained model: its id, file (in data_dir/evaluators/),
the CLIP model it was trained on, what it saw, its validation report; one is active.
predictions.model_id holds the evaluator id; uncertainty feeds "most informative".

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE evaluators (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        clip_model_id TEXT NOT NULL,
        ratings INTEGER NOT NULL,
        pairs INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        report_json TEXT NOT NULL,
        params_json TEXT NOT NULL,
        file TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    ALTER TABLE predictions ADD COLUMN uncertainty REAL;
    CREATE INDEX predictions_model ON predictions(model_id);
    CREATE INDEX predictions_uncertainty ON predictions(uncertainty, content_id);
    """

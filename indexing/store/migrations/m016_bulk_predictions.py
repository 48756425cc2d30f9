"""Migration 16: bulk predictions (issue 28). The predictions triggers of v3 keep rating_key row by
row; predicting a million images spent most of its time there. bulk_writes holds
a row only inside a bulk writer's own transaction (evaluator.predictions), which
writes the predictions, then rating_key for all of them in one statement; while
it is there the per-row triggers stand aside. Readers never see it.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE bulk_writes (what TEXT PRIMARY KEY) WITHOUT ROWID;
    DROP TRIGGER predictions_after_insert;
    DROP TRIGGER predictions_after_update;
    DROP TRIGGER predictions_after_delete;
    CREATE TRIGGER predictions_after_insert AFTER INSERT ON predictions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE what = 'predictions') BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'predicted'
            WHERE content_id = NEW.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = NEW.content_id);
    END;
    CREATE TRIGGER predictions_after_update AFTER UPDATE ON predictions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE what = 'predictions') BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'predicted'
            WHERE content_id = NEW.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = NEW.content_id);
    END;
    CREATE TRIGGER predictions_after_delete AFTER DELETE ON predictions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE what = 'predictions') BEGIN
        UPDATE images SET rating_key = NULL, rating_source = NULL
            WHERE content_id = OLD.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = OLD.content_id);
    END;
    """

"""Migration 13: videos. images.kind says which a content is; a video's row holds its poster's
size-independent facts (hashes of the poster frame), its duration in seconds and
its codec. video_frames lists the moments sampled from each video: their vectors
are in the model's frames collection (indexing.store.vectors.frames_of), under
the id '<content id>@<milliseconds>'.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    ALTER TABLE images ADD COLUMN kind TEXT NOT NULL DEFAULT 'image';
    ALTER TABLE images ADD COLUMN duration REAL;
    ALTER TABLE images ADD COLUMN video_codec TEXT;
    CREATE INDEX images_videos ON images(duration) WHERE kind = 'video';
    CREATE TABLE video_frames (
        content_id TEXT NOT NULL REFERENCES images(content_id) ON DELETE CASCADE,
        ms INTEGER NOT NULL,
        PRIMARY KEY (content_id, ms)
    ) WITHOUT ROWID;
    """

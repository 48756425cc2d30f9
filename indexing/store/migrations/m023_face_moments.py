"""Migration 23: faces in videos (issue 31). The faces stage also looks at each video's
sampled moments; a face found there belongs to the video's content id, and `moment_ms` is
the moment it was seen at (milliseconds), so its crop and its box are of that frame. NULL
for a face of a still image.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    ALTER TABLE faces ADD COLUMN moment_ms INTEGER;
    """

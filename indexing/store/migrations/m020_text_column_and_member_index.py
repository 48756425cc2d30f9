"""Migration 20: the text read in an image gets a full-text column of its own, and an index
lets an album or a tag page read its images from an index (issues 32 and 33; one number).

The text column. Issue 32: "the field `text:` restricts to it". Until now the full-text
index's `text` column held the user's caption, then the text read (OCR), then the files'
other text chunks, so `text:word` also found a word of a PNG's parameters or a caption.
The index now has three columns where it had one: `text` holds only the text read in the
image, `caption` the user's caption (so `caption:` can name it) and `chunks` the other
text chunks.

FTS5 cannot add a column, so the table is built again. Nothing is read from the images:
each row is copied with its old `text` column as `chunks` (for a content with neither a
caption nor text read, that is exactly what the new row holds), and the contents that do
have a caption or lines read are queued in search_dirty, so search_text.refresh (which
every query runs before it reads) rebuilds their rows from the catalog. The rowids are
kept, so search_docs and "most recently indexed first" are unchanged; the triggers that
queue contents (migrations 10, 17, 19) name no column and stay as they are.

The member index. An album's or a tag's page and its count start from the album's (or
tag's) content ids and look each one up in images for present_files, and for date_key or
rating_key to sort by: at 100,000 members that was 100,000 reads of the wide images rows
(issue 33: 210-230 ms for a first page at a million images). images_members holds those
columns beside the content id, so the lookups read the index alone.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE VIRTUAL TABLE search_fts_v20 USING fts5(
        name, folder, prompt, text, camera, place, subject, caption, chunks,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO search_fts_v20(rowid, name, folder, prompt, text, camera, place, subject,
        caption, chunks)
        SELECT rowid, name, folder, prompt, '', camera, place, subject, '', text
        FROM search_fts;
    DROP TABLE search_fts;
    ALTER TABLE search_fts_v20 RENAME TO search_fts;
    INSERT INTO search_dirty(content_id) SELECT content_id FROM captions c
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = c.content_id);
    INSERT INTO search_dirty(content_id) SELECT content_id FROM text_reads r
        WHERE r.state = 'text'
        AND NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = r.content_id);
    CREATE INDEX images_members ON images(content_id, present_files, date_key, rating_key);
    """

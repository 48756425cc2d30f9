"""Migration 24: a change stamp for who is in which photo (issue 31). The People facet counts
the photos of each named person under the filters; it read every face row of a named person
on each call (269 ms at a million images). `people_changes.stamp` goes up whenever a face
joins, leaves or changes person or photo, or a person is renamed, hidden, shown or deleted,
so the facet reads the face rows again only when the stamp (or the images, by the facet
log) moved, and answers from what it kept otherwise.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE people_changes (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        stamp INTEGER NOT NULL
    );
    INSERT INTO people_changes(id, stamp) VALUES (1, 0);
    CREATE TRIGGER people_changes_face_added AFTER INSERT ON faces
    WHEN NEW.person_id IS NOT NULL BEGIN
        UPDATE people_changes SET stamp = stamp + 1 WHERE id = 1;
    END;
    CREATE TRIGGER people_changes_face_removed AFTER DELETE ON faces
    WHEN OLD.person_id IS NOT NULL BEGIN
        UPDATE people_changes SET stamp = stamp + 1 WHERE id = 1;
    END;
    CREATE TRIGGER people_changes_face_moved AFTER UPDATE OF person_id, content_id ON faces
    WHEN OLD.person_id IS NOT NEW.person_id OR OLD.content_id IS NOT NEW.content_id BEGIN
        UPDATE people_changes SET stamp = stamp + 1 WHERE id = 1;
    END;
    CREATE TRIGGER people_changes_person_changed AFTER UPDATE OF name, hidden ON people
    WHEN OLD.name IS NOT NEW.name OR OLD.hidden IS NOT NEW.hidden BEGIN
        UPDATE people_changes SET stamp = stamp + 1 WHERE id = 1;
    END;
    CREATE TRIGGER people_changes_person_deleted AFTER DELETE ON people BEGIN
        UPDATE people_changes SET stamp = stamp + 1 WHERE id = 1;
    END;
    """

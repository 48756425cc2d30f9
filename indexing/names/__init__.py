"""Names for raw values, at the bottom of the layers: camera labels and days (facet_values),
places for GPS coordinates (places), counted nouns (wording). Pure functions that import
nothing of Pictor's, so the store, ingest and the front ends can all share them."""

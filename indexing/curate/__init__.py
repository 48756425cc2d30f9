"""User acts on the library: ratings, preferences, trash, sidecars."""

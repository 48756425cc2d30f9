"""Exceptions with one-line messages meant for the user."""


class PictorError(Exception):
    """A problem the user can fix; the message is one clear sentence."""


class BadImage(Exception):
    """A file that cannot be indexed as an image; the message is the one-line reason."""

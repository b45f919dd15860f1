"""The one error type of the catalog, so callers (magic, CLI) can catch it and show its message."""

from __future__ import annotations


class EventError(ValueError):
    """An unknown event type or parameter, a bad value, or an unreadable event file."""

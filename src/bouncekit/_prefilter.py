"""Literal prefilters: skip a regular-expression search that a text cannot satisfy.

A pattern whose every match contains one of a few lower-case ASCII pieces (what
:func:`bouncekit.rules.engine.required_pieces` reads from its syntax tree; the tests check each
hand-written set against it) cannot match an ASCII text that holds none of them, whatever the
pattern's case flags: lower-casing an ASCII text is letter for letter. A text with other
characters is always searched (case-insensitive matching knows letters such as U+0131 that
lower-casing does not turn into ASCII).
"""

from __future__ import annotations


def may_hold(text: str, pieces: tuple[str, ...]) -> bool:
    """False when ``text`` cannot hold a match of a pattern whose every match contains one of ``pieces``."""
    if not text.isascii():
        return True
    lower = text.lower()
    for piece in pieces:
        if piece in lower:
            return True
    return False

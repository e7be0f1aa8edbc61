"""Literal prefilters: skip a regular-expression search that a text cannot satisfy.

A pattern written in ASCII whose every match contains one of a few lower-case ASCII pieces
(what :func:`bouncekit.rules.engine.required_pieces` reads from its syntax tree; the tests check
each hand-written set against it) cannot match a text whose lower-cased form holds none of them,
whatever the pattern's case flags. (Not so for a pattern with a branch of non-ASCII letters:
``required_pieces`` leaves such a branch out, since no ASCII text can match it.) For an ASCII text, lower-casing is letter for letter. Case-
insensitive matching also lets four other characters stand for ASCII letters (U+0130 and U+0131
for i, U+017F for s, U+212A for k: the only ones, checked by the tests over all of Unicode), so a
text with other characters is read with those four made ASCII first.
"""

from __future__ import annotations

# The characters that a case-insensitive pattern matches with an ASCII letter (`re`; `regex` knows
# the same but U+0131).
ASCII_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}


def ascii_lower(text: str) -> str:
    """``text`` lower-cased, the characters of :data:`ASCII_FOLDS` made ASCII first: a pattern's
    lower-case ASCII piece that a case-insensitive match finds in ``text`` is a substring of it."""
    if not text.isascii():
        for char, letter in ASCII_FOLDS.items():
            if char in text:  # (rare: a replace only then, cheaper than str.translate on every text)
                text = text.replace(char, letter)
    return text.lower()


def may_hold(text: str, pieces: tuple[str, ...]) -> bool:
    """False when ``text`` cannot hold a match of a pattern whose every match contains one of ``pieces``."""
    lower = ascii_lower(text)
    for piece in pieces:
        if piece in lower:
            return True
    return False

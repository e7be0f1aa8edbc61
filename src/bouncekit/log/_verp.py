"""VERP: the recipient's address encoded in the return path of the message that was sent.

A sender using VERP (variable envelope return path) sends each copy with its own return path,
``bounces+user=example.org@sender.example`` for ``user@example.org``, so that the bounce, which
goes back to that address, says whom it is about even when its text names nobody.

Encoding understood here (the one qmail introduced and Postfix, Mailman and most list managers
use): ``PREFIX`` + delimiter (``+``, else ``-``) + the recipient's local part + ``=`` + the
recipient's domain, ``@`` the sender's domain. With ``+`` the prefix ends at the first ``+``;
with ``-`` only, at the first ``-`` (so ``bounce-john-doe=example.org@...`` is ``john-doe@example.org``).
"""

from __future__ import annotations

import re

_VERP = re.compile(
    r"""(?x)^
    (?P<prefix>[^@+=]+?)
    (?P<delim>[+])
    (?P<local>[^@=]+(?:=[^@=]+)*?)
    =(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)
    @(?P<host>[^@]+)$"""
)


def decode_verp(address: str | None, /) -> str | None:
    """The recipient encoded in a VERP return path, lower-cased; None when it is not one.

        >>> decode_verp("bounces+user=example.org@sender.example")
        'user@example.org'
        >>> decode_verp("bounce-john-doe=example.org@lists.example")
        'john-doe@example.org'
        >>> decode_verp("plain@example.org") is None
        True
    """
    if not address:
        return None
    text = address.strip().strip("<>").strip()
    if text.count("@") != 1 or "=" not in text.split("@", 1)[0]:
        return None
    local_all = text.split("@", 1)[0]
    if "+" not in local_all:
        # "-" delimiter: split at the first "-" before the last "="
        text = text.replace("-", "+", 1) if "-" in local_all.rsplit("=", 1)[0] else text
    m = _VERP.match(text)
    if not m:
        return None
    return f"{m.group('local')}@{m.group('domain')}".lower()


__all__ = ["decode_verp"]

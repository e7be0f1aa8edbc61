"""The status words other tools use, computed from a stored bounce.

Three vocabularies, each a total function of (action, group, hard, diagnostic; for
:func:`category` also whether the address was already suppressed when the bounce came in):

- :func:`outcome`: ``delivered`` / ``bounced`` / ``rejected`` / ``delayed`` / ``suppressed``
  (plus ``complained`` for abuse reports), the words of delivery dashboards;
- :func:`category`: ``HARD_BOUNCE`` / ``SOFT_BOUNCE`` / ``SUPPRESSED`` / ``PREVIOUSLY_BOUNCED``
  (plus ``COMPLAINT``; None for non-failures), the bounce categories of CRM-style senders;
- :func:`event`: ``Deferred`` / ``Bounce`` / ``Dropped`` (plus ``Spam Report`` and ``Delivered``),
  the event names of webhook-style senders.

``docs/log.md`` has the table. The definitions, in short: *bounced* is a final failure tied to
the address or the delivery path; *rejected* a final refusal of this message for its content,
its sender's reputation or policy (the address may well be fine); *delayed* a temporary failure
the sending MTA is still retrying; *suppressed* a message the sending side itself refused
because the address was on its suppression list (the bounce says so). ``PREVIOUSLY_BOUNCED``
marks a bounce for an address that was already on *this* log's suppression list: a message
that should not have been sent.
"""

from __future__ import annotations

import re

from ..model import Group

#: Final failures that are about the message, its sender or policy rather than the address.
REJECTION_GROUPS: frozenset[Group] = frozenset({
    Group.REJECTED, Group.BLOCKED, Group.SPAM_DETECTED, Group.VIRUS_DETECTED, Group.POLICY_VIOLATION,
    Group.CONTENT_ERROR, Group.AUTH_FAILURE, Group.BAD_REPUTATION, Group.REQUIRE_PTR,
    Group.NOT_COMPLIANT_RFC, Group.SECURITY_ERROR, Group.NO_RELAYING, Group.MESSAGE_TOO_BIG,
    Group.SYNTAX_ERROR,
})

#: Final failures that are about the address, the mailbox or the path to it.
BOUNCE_GROUPS: frozenset[Group] = frozenset({
    Group.UNKNOWN_USER, Group.UNKNOWN_HOST, Group.HAS_MOVED, Group.NOT_ACCEPT, Group.MAILBOX_FULL,
    Group.EXCEED_LIMIT, Group.SUSPENDED, Group.FILTERED, Group.RATE_LIMITED, Group.TOO_MANY_CONNECTIONS,
    Group.NETWORK_ERROR, Group.EXPIRED, Group.SYSTEM_ERROR, Group.SYSTEM_FULL, Group.MAILER_ERROR,
    Group.ON_HOLD, Group.UNDEFINED,
})

#: Words in a diagnostic that mean the *sending* side refused because of its suppression list
#: (Amazon SES, Postmark, SendGrid, Mailgun and others write such lines into their bounces).
SENDER_SUPPRESSION = re.compile(
    r"(?i)suppression list|suppressed (?:sending|address|recipient)|has suppressed"
    r"|previously bounced|inactive recipient|recipient is inactive|on (?:the|our|your) (?:bounce|block) ?list"
    r"|address (?:is )?(?:on|in) (?:the )?(?:account|global) suppression"
)

_NOT_SENT = ("delivered", "relayed", "expanded")


def _group(group: Group | str) -> Group:
    return group if isinstance(group, Group) else Group(group)


def sender_suppressed(diagnostic: str | None) -> bool:
    """True when the diagnostic says the sending side refused because of a suppression list."""
    return bool(diagnostic) and SENDER_SUPPRESSION.search(diagnostic or "") is not None


def outcome(action: str | None, group: Group | str, hard: bool, diagnostic: str | None = None) -> str:
    """``delivered``, ``bounced``, ``rejected``, ``delayed``, ``suppressed`` or ``complained``."""
    g = _group(group)
    if g in (Group.DELIVERED, Group.VACATION) or action in _NOT_SENT:
        return "delivered"
    if g is Group.FEEDBACK:
        return "complained"
    if sender_suppressed(diagnostic):
        return "suppressed"
    if action == "delayed":
        return "delayed"
    if g in REJECTION_GROUPS and not hard:
        return "rejected"
    return "bounced"


def category(action: str | None, group: Group | str, hard: bool, diagnostic: str | None = None,
             *, previously_suppressed: bool = False) -> str | None:
    """``HARD_BOUNCE``, ``SOFT_BOUNCE``, ``SUPPRESSED``, ``PREVIOUSLY_BOUNCED``, ``COMPLAINT``; None if no failure."""
    g = _group(group)
    if g in (Group.DELIVERED, Group.VACATION) or action in _NOT_SENT:
        return None
    if g is Group.FEEDBACK:
        return "COMPLAINT"
    if previously_suppressed:
        return "PREVIOUSLY_BOUNCED"
    if sender_suppressed(diagnostic):
        return "SUPPRESSED"
    return "HARD_BOUNCE" if hard else "SOFT_BOUNCE"


def event(action: str | None, group: Group | str, hard: bool, diagnostic: str | None = None) -> str:
    """``Deferred``, ``Bounce``, ``Dropped``, ``Spam Report`` or ``Delivered``."""
    g = _group(group)
    if g in (Group.DELIVERED, Group.VACATION) or action in _NOT_SENT:
        return "Delivered"
    if g is Group.FEEDBACK:
        return "Spam Report"
    if sender_suppressed(diagnostic):
        return "Dropped"
    if action == "delayed":
        return "Deferred"
    return "Bounce"


__all__ = ["BOUNCE_GROUPS", "REJECTION_GROUPS", "category", "event", "outcome", "sender_suppressed"]

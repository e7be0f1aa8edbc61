"""The records bouncekit hands out: :class:`Group`, :class:`Evidence`, :class:`Delivery`, :class:`Report`.

This module imports nothing else of the package, so every other module may import it.
Records are frozen, slotted dataclasses; ``to_dict()`` always builds a new dict.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for annotations only: this module imports nothing of the package at run time
    from .rules import RuleSet


class Group(str, enum.Enum):
    """Why a delivery failed (or what it was instead of a failure).

    A ``str`` enum, so ``Group.UNKNOWN_USER == "unknown_user"`` and JSON output is the plain name.
    ``docs/groups.md`` describes each one: meaning, typical codes, hard or soft, what to do.
    """

    UNKNOWN_USER = "unknown_user"
    UNKNOWN_HOST = "unknown_host"
    HAS_MOVED = "has_moved"
    NOT_ACCEPT = "not_accept"
    MAILBOX_FULL = "mailbox_full"
    MESSAGE_TOO_BIG = "message_too_big"
    EXCEED_LIMIT = "exceed_limit"
    SUSPENDED = "suspended"
    FILTERED = "filtered"
    REJECTED = "rejected"
    BLOCKED = "blocked"
    SPAM_DETECTED = "spam_detected"
    VIRUS_DETECTED = "virus_detected"
    POLICY_VIOLATION = "policy_violation"
    CONTENT_ERROR = "content_error"
    AUTH_FAILURE = "auth_failure"
    BAD_REPUTATION = "bad_reputation"
    REQUIRE_PTR = "require_ptr"
    NOT_COMPLIANT_RFC = "not_compliant_rfc"
    SECURITY_ERROR = "security_error"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    NO_RELAYING = "no_relaying"
    NETWORK_ERROR = "network_error"
    EXPIRED = "expired"
    SYSTEM_ERROR = "system_error"
    SYSTEM_FULL = "system_full"
    MAILER_ERROR = "mailer_error"
    SYNTAX_ERROR = "syntax_error"
    ON_HOLD = "on_hold"
    UNDEFINED = "undefined"
    DELIVERED = "delivered"
    FEEDBACK = "feedback"
    VACATION = "vacation"

    def __str__(self) -> str:  # so f-strings and CSV show "unknown_user", not "Group.UNKNOWN_USER"
        return self.value


#: Groups whose failures do not go away by retrying, whatever the status class says.
ALWAYS_HARD: frozenset[Group] = frozenset({Group.UNKNOWN_USER, Group.UNKNOWN_HOST, Group.HAS_MOVED})

#: Groups that are not failures at all.
NOT_FAILURES: frozenset[Group] = frozenset({Group.DELIVERED, Group.FEEDBACK, Group.VACATION})

#: The DSN actions of RFC 3464 section 2.3.3.
ACTIONS: frozenset[str] = frozenset({"failed", "delayed", "delivered", "relayed", "expanded"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a format decoder read about one recipient, before any classification.

    Format modules return these; the rule engine turns each into a :class:`Delivery`.
    """

    recipient: str | None
    """The failed recipient, as found in the mail (normalised later)."""
    action: str = "failed"
    """DSN action: failed, delayed, delivered, relayed or expanded."""
    status: str | None = None
    """RFC 3463 enhanced status code seen in the mail (``5.1.1``); never invented."""
    reply_code: str | None = None
    """SMTP reply code seen in the mail (``550``)."""
    diagnostic: str = ""
    """The remote server's words (or the reporting MTA's explanation), unfolded."""
    remote_mta: str | None = None
    """Host name (or address) of the server that refused the message."""
    command: str | None = None
    """SMTP command the refusal answered (``RCPT``, ``DATA``, ``MAIL``, ``CONN``...), when known."""
    hint: Group | None = None
    """A group the format itself establishes (an ARF report is ``feedback`` by definition)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One recipient's outcome, classified."""

    recipient: str | None
    """Failed (or delivered / auto-replying) recipient address, normalised; None if none was found."""
    action: str
    """DSN action: failed, delayed, delivered, relayed or expanded."""
    status: str | None
    """RFC 3463 enhanced status code as seen in the mail, e.g. ``5.1.1``."""
    reply_code: str | None
    """SMTP reply code as seen in the mail, e.g. ``550``."""
    diagnostic: str
    """The remote server's words, unfolded, without the "host X said:" wrapping."""
    remote_mta: str | None
    """The server that refused the message, when the bounce names it."""
    group: Group
    """Why it failed (see ``docs/groups.md``)."""
    hard: bool
    """True when retrying will not help (unknown user, unknown host, has moved, permanent not-accept)."""
    rule: str | None
    """Id of the rule that decided ``group``."""
    command: str | None = None
    """SMTP command the refusal answered, when known."""
    evidence: Evidence | None = field(default=None, compare=False, repr=False)
    """What the format decoder read, as the rule table saw it (kept for :meth:`Report.explain`)."""

    def to_dict(self) -> dict[str, Any]:
        """A new plain dict of the fields (the group as its string value)."""
        return {
            "recipient": self.recipient,
            "action": self.action,
            "status": self.status,
            "reply_code": self.reply_code,
            "group": self.group.value,
            "hard": self.hard,
            "diagnostic": self.diagnostic,
            "remote_mta": self.remote_mta,
            "rule": self.rule,
            "command": self.command,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Everything bouncekit learnt from one message."""

    is_bounce: bool
    """True when the message reports on a delivery (failure, delay, success, complaint or auto-reply)."""
    format: str | None
    """Name of the format decoder that read it (``rfc3464``, ``postfix``...), None when none did."""
    deliveries: tuple[Delivery, ...] = ()
    """One record per recipient, in the order the bounce lists them."""
    reporting_mta: str | None = None
    """The MTA that wrote the report."""
    original_message_id: str | None = None
    """Message-ID of the message that bounced, where the bounce quotes it."""
    original_from: str | None = None
    """From of the message that bounced, where quoted."""
    original_to: str | None = None
    """To of the message that bounced, where quoted."""
    original_subject: str | None = None
    """Subject of the message that bounced, where quoted."""
    subject: str | None = None
    """Subject of the bounce itself."""
    errors: tuple[str, ...] = field(default=())
    """Problems met while reading the message, as whole sentences; empty when all went well."""
    rules: RuleSet | None = field(default=None, compare=False, repr=False)
    """The rule table that classified the deliveries (kept for :meth:`explain`)."""

    def explain(self, *, color: bool = False) -> str:
        """Why each recipient landed in its group: decoder, evidence, rules tried, the rule that matched.

        The text marks the part of the diagnostic (or remote MTA) a pattern matched with ``[[...]]``,
        or with ANSI colour when ``color`` is true. Uses the rule table the report was made with.
        """
        from .explain import explain_report  # the rule engine sits above this module; import on use

        return explain_report(self, color=color)

    def to_dict(self) -> dict[str, Any]:
        """A new plain dict of the fields, deliveries as dicts."""
        return {
            "is_bounce": self.is_bounce,
            "format": self.format,
            "reporting_mta": self.reporting_mta,
            "original_message_id": self.original_message_id,
            "original_from": self.original_from,
            "original_to": self.original_to,
            "original_subject": self.original_subject,
            "subject": self.subject,
            "errors": list(self.errors),
            "deliveries": [d.to_dict() for d in self.deliveries],
        }

    def with_errors(self, *errors: str) -> Report:
        """A copy of this report with more error notes."""
        return replace(self, errors=self.errors + tuple(errors))

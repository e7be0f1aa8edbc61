"""One message in, one :class:`~bouncekit.model.Report` out: load, decode, classify.

``parse`` never raises on bad mail: whatever goes wrong becomes a sentence in ``Report.errors``.
Only a caller's programming error (an argument of the wrong type) raises ``TypeError``.
"""

from __future__ import annotations

import email.message
from dataclasses import replace

from . import addresses
from .formats import REGISTRY
from .formats._common import reporting_mta
from .mail import Mail
from .model import NOT_FAILURES, Delivery, Evidence, Group, Report
from .rules import RuleSet, RuleTimeout

MessageInput = bytes | bytearray | memoryview | str | email.message.Message


def classify(record: Evidence | Delivery, /, *, rules: RuleSet | None = None, format: str | None = None) -> Delivery:
    """Decide the group of one record with a rule table (the built-in one by default).

    Pass an :class:`Evidence` (what a decoder read) or a :class:`Delivery` to re-classify it
    with another table. ``format`` is the decoder name, for rules that match on it.
    """
    ruleset = rules if rules is not None else RuleSet.builtin()
    if isinstance(record, Delivery):
        hint = record.group if record.group in NOT_FAILURES else None
        record = Evidence(recipient=record.recipient, action=record.action, status=record.status,
                          reply_code=record.reply_code, diagnostic=record.diagnostic,
                          remote_mta=record.remote_mta, command=record.command, hint=hint)
    elif not isinstance(record, Evidence):
        raise TypeError(f"classify() takes an Evidence or a Delivery, not {type(record).__name__}")
    decision = ruleset.decide(record, format)
    recipient = addresses.normalize(record.recipient) if record.recipient else None
    return Delivery(recipient=recipient, action=record.action, status=record.status,
                    reply_code=record.reply_code, diagnostic=record.diagnostic, remote_mta=record.remote_mta,
                    group=decision.group, hard=decision.hard, rule=decision.rule, command=record.command,
                    evidence=record)


def _classify_all(found: list[Evidence], rules: RuleSet, format: str) -> tuple[tuple[Delivery, ...], list[str]]:
    """Deliveries for every merged record; a user pattern that runs out of time leaves its recipient
    ``undefined`` (rule None) and becomes an error note instead of stopping the batch."""
    deliveries: list[Delivery] = []
    errors: list[str] = []
    for ev in _merge(found):
        try:
            deliveries.append(classify(ev, rules=rules, format=format))
        except RuleTimeout as exc:
            errors.append(f"The recipient {ev.recipient or '(unknown)'} was left unclassified: {exc}")
            recipient = addresses.normalize(ev.recipient) if ev.recipient else None
            deliveries.append(Delivery(recipient=recipient, action=ev.action, status=ev.status,
                                       reply_code=ev.reply_code, diagnostic=ev.diagnostic, remote_mta=ev.remote_mta,
                                       group=Group.UNDEFINED, hard=False, rule=None, command=ev.command,
                                       evidence=ev))
    return tuple(deliveries), errors


def _load(data: MessageInput) -> Mail:
    if isinstance(data, email.message.Message):
        return Mail(data)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return Mail.from_bytes(bytes(data))


def _merge(found: list[Evidence]) -> list[Evidence]:
    """One record per recipient: a repeated recipient fills the gaps of its first record."""
    merged: dict[str, Evidence] = {}
    anonymous: list[Evidence] = []
    for ev in found:
        if not ev.recipient:
            anonymous.append(ev)
            continue
        key = ev.recipient.lower()
        first = merged.get(key)
        if first is None:
            merged[key] = ev
            continue
        merged[key] = replace(
            first,
            status=first.status or ev.status,
            reply_code=first.reply_code or ev.reply_code,
            diagnostic=first.diagnostic or ev.diagnostic,
            remote_mta=first.remote_mta or ev.remote_mta,
            command=first.command or ev.command,
        )
    return list(merged.values()) + (anonymous if not merged else [])


def parse(data: MessageInput, /, *, rules: RuleSet | None = None) -> Report:
    """Read one bounce (raw bytes, text or a parsed Message) into a :class:`Report`."""
    if not isinstance(data, (bytes, bytearray, memoryview, str, email.message.Message)):
        raise TypeError(f"parse() takes bytes, str or email.message.Message, not {type(data).__name__}")
    try:
        mail = _load(data)
    except Exception as exc:  # the stdlib parser is lenient; this is the truly unreadable case
        return Report(is_bounce=False, format=None, errors=(f"The message could not be read: {exc!r}.",))

    errors: list[str] = []
    for decoder in REGISTRY:
        try:
            if not decoder.matches(mail):
                continue
            found = decoder.parse(mail)
        except Exception as exc:  # one decoder's bug must not lose the message: try the next one
            errors.append(f"The {decoder.name} decoder failed on this message: {exc!r}.")
            continue
        if found:
            break
    else:
        return Report(is_bounce=False, format=None, subject=mail.subject or None, errors=tuple(errors))

    ruleset = rules if rules is not None else RuleSet.builtin()
    try:
        deliveries, classify_errors = _classify_all(found, ruleset, decoder.name)
    except Exception as exc:
        return Report(is_bounce=True, format=decoder.name, subject=mail.subject or None,
                      errors=(*errors, f"Classification failed: {exc!r}."), rules=ruleset)
    errors.extend(classify_errors)
    return Report(
        is_bounce=True,
        format=decoder.name,
        deliveries=deliveries,
        reporting_mta=reporting_mta(mail),
        original_message_id=_strip_angles(mail.original_header("Message-ID")),
        original_from=mail.original_header("From"),
        original_to=mail.original_header("To"),
        original_subject=mail.original_header("Subject"),
        subject=mail.subject or None,
        errors=tuple(errors),
        rules=ruleset,
    )


def _strip_angles(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip().strip("<>").strip() or None


__all__ = ["MessageInput", "classify", "parse"]

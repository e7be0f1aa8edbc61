"""One message in, one :class:`~bouncekit.model.Report` out: load, decode, classify.

``parse`` never raises on bad mail: whatever goes wrong becomes a sentence in ``Report.errors``.
Only a caller's programming error (an argument of the wrong type) raises ``TypeError``.
"""

from __future__ import annotations

import email.message
import email.utils
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timezone

from . import addresses
from .formats import REGISTRY
from .formats._common import reporting_mta
from .mail import Mail, decode_header
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


def parse(data: MessageInput, /, *, rules: RuleSet | None = None,
          original_headers: Iterable[str] = ()) -> Report:
    """Read one bounce (raw bytes, text or a parsed Message) into a :class:`Report`.

    ``original_headers`` names further headers of the bounced message to quote in
    ``Report.original_headers`` (correlation headers such as ``X-Campaign-ID``), when the bounce
    includes them.
    """
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
        date=_date(mail),
        envelope_to=_envelope_to(mail),
        original_return_path=_strip_angles(mail.original_header("Return-Path")),
        original_headers=_quoted_headers(mail, original_headers),
        errors=tuple(errors),
        rules=ruleset,
    )


def _date(mail: Mail) -> datetime | None:
    value = mail.header("Date")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


# Where the address a bounce was delivered to is found, most specific first.
_ENVELOPE_TO = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


# A plain address, bare or in angle brackets, that email.utils.parseaddr gives back unchanged.
_PLAIN_ADDRESS = re.compile(r"(<?)([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(>?)")


def _address_of(value: str) -> str:
    """``email.utils.parseaddr(value)[1]``, without the general parser for a plain address."""
    m = _PLAIN_ADDRESS.fullmatch(value)
    if m is not None and bool(m.group(1)) == bool(m.group(3)):
        return m.group(2)
    return email.utils.parseaddr(value)[1]


def _envelope_to(mail: Mail) -> str | None:
    for name in _ENVELOPE_TO:
        value = mail.header(name)
        if value:
            address = _address_of(value)
            if "@" in address:
                return address
    return None


def _quoted_headers(mail: Mail, names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    wanted = {name.lower() for name in names}
    if not wanted or mail.original is None:
        return ()
    return tuple((name, decode_header(value)) for name, value in mail.original.items()
                 if name.lower() in wanted)


def _strip_angles(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip().strip("<>").strip() or None


__all__ = ["MessageInput", "classify", "parse"]

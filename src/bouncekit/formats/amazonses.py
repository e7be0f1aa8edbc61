"""Amazon SES: its bounce mails and its JSON notifications (by e-mail or SNS-wrapped).

Bounce mails come from ``MAILER-DAEMON@*.amazonses.com`` (an ``X-SES-Outgoing`` header, a
``Message-Id`` at ``amazonses.com``): an RFC 3464 report whose Diagnostic-Code sometimes wraps
the remote server's reply, either as ``5.1.0 - Unknown address error 550-'5.2.2 ... Mailbox Full'``
(older mails) or as ``554 4.4.7 Message expired: ...<421 4.4.2 Connection timed out>``. The
wrapped reply is the remote server's own answer, so its codes win over SES's outer ones.

Notifications (``From: no-reply@sns.amazonaws.com``, ``x-amz-sns-message-id``, subject
"AWS Notification Message", or the JSON posted as is) hold one JSON object with
``notificationType`` (or ``eventType``) ``Bounce``, ``Complaint`` or ``Delivery``; an SNS
envelope (``"Type": "Notification"``) carries it as the string ``Message``. The bounceSubType
``NoEmail``, ``MailboxFull`` and ``MessageTooLarge`` are SES's own verdicts and become hints. Over-long lines
of the JSON may arrive broken as ``!`` + newline + space, which is undone before decoding.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence, Group
from ._common import dsn_evidence, evidence
from ._json import load, payload_text

# "...<421 4.4.2 Connection timed out>" and "... error 550-'5.2.2 <a@b>... Mailbox Full'"
_INNER = re.compile(r"""<([245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b[^>]*)>|\b([245]\d\d)-'([^']+)'""")
_BOUNCE_TYPES = {"permanent": "failed", "transient": "delayed", "undetermined": "failed"}
# bounceSubType values whose meaning SES documents without ambiguity.
_SUBTYPE_HINTS = {"noemail": Group.UNKNOWN_USER, "mailboxfull": Group.MAILBOX_FULL,
                  "messagetoolarge": Group.MESSAGE_TOO_BIG}


class AmazonSES:
    name = "amazonses"

    def matches(self, mail: Mail) -> bool:
        if mail.header("x-amz-sns-message-id") or "no-reply@sns.amazonaws.com" in mail.sender:
            return True
        if mail.subject == "AWS Notification Message":
            return True
        return "amazonses.com" in mail.sender or (
            bool(mail.header("X-SES-Outgoing")) and "mailer-daemon" in mail.sender)

    def parse(self, mail: Mail) -> list[Evidence]:
        body = payload_text(mail)
        if body:
            return self._json(body)
        return [unwrap(ev) for ev in dsn_evidence(mail)]

    def _json(self, body: str) -> list[Evidence]:
        data = load(body)
        if isinstance(data, dict) and data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
            data = load(data["Message"])
        if not isinstance(data, dict):
            return []
        kind = str(data.get("notificationType") or data.get("eventType") or "").lower()
        out = []
        if kind == "bounce":
            bounce = data.get("bounce") or {}
            default_action = _BOUNCE_TYPES.get(str(bounce.get("bounceType", "")).lower(), "failed")
            hint = _SUBTYPE_HINTS.get(str(bounce.get("bounceSubType", "")).lower())
            for r in bounce.get("bouncedRecipients") or []:
                out.append(evidence(r.get("emailAddress"), str(r.get("diagnosticCode") or ""),
                                    status=r.get("status") or None, hint=hint,
                                    action=(r.get("action") or default_action).lower()))
        elif kind == "complaint":
            complaint = data.get("complaint") or {}
            note = f"Complaint ({complaint.get('complaintFeedbackType') or 'no feedback type'})"
            for r in complaint.get("complainedRecipients") or []:
                out.append(Evidence(recipient=r.get("emailAddress"), action="failed", diagnostic=note,
                                    hint=Group.FEEDBACK))
        elif kind == "delivery":
            delivery = data.get("delivery") or {}
            for rcpt in delivery.get("recipients") or []:
                out.append(evidence(rcpt, str(delivery.get("smtpResponse") or ""), action="delivered"))
        return out


def unwrap(ev: Evidence) -> Evidence:
    """Take the codes of the remote server's reply that SES wraps in its own words, where it does."""
    inner = _INNER.search(ev.diagnostic)
    if not inner:
        return ev
    sub = evidence(ev.recipient, inner.group(1) or f"{inner.group(2)} {inner.group(3)}")
    return evidence(ev.recipient, ev.diagnostic, status=sub.status, reply_code=sub.reply_code,
                    action=ev.action, remote_mta=ev.remote_mta, command=ev.command, clean=False)


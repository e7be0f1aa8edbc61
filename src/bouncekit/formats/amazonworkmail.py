"""Amazon WorkMail: bounces whose text part carries the DSN fields itself.

WorkMail (``X-Mailer: Amazon WorkMail``, sent through SES) writes "An error occurred while
trying to deliver the mail to the following recipients:", the addresses, then "Technical
report:" followed by RFC 3464 fields (Reporting-MTA, Action, Final-Recipient, Diagnostic-Code,
Status) as plain text, with no message/delivery-status part. Those fields are read as a DSN; SES's
wrapping of the remote reply is undone as in :mod:`.amazonses`.
"""

from __future__ import annotations

from ..mail import Mail, parse_field_blocks
from ..model import Evidence
from ._common import dsn_evidence
from .amazonses import unwrap

_MARKER = "technical report:"


class AmazonWorkMail:
    name = "amazonworkmail"

    def matches(self, mail: Mail) -> bool:
        return "amazon workmail" in mail.header("X-Mailer").lower() and (
            "mailer-daemon" in mail.sender or "delivery status" in mail.subject.lower())

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.text_parts[0] if mail.text_parts else ""
        at = text.lower().find(_MARKER)
        found = dsn_evidence(mail) if at < 0 else dsn_evidence(mail, parse_field_blocks(text[at + len(_MARKER):]))
        return [unwrap(ev) for ev in found]  # WorkMail sends through SES, which wraps expiry replies

"""RFC 5965 Abuse Reporting Format: a complaint ("this is spam") about a message we sent.

The complained-about recipient is the report's ``Original-Rcpt-To`` when present, else the
``To`` of the quoted original message. Its group is ``feedback`` by definition.
"""

from __future__ import annotations

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence, Group


class ARF:
    name = "arf"

    def matches(self, mail: Mail) -> bool:
        if mail.feedback_fields is not None:
            return True
        ctype = mail.msg.get("Content-Type", "")
        return "feedback-report" in ctype.lower()

    def parse(self, mail: Mail) -> list[Evidence]:
        fields = mail.feedback_fields or {}
        found: list[str] = []
        for key in ("original-rcpt-to", "removal-recipient"):
            found += addresses.find_addresses(fields.get(key, ""))
        if not found:
            found = addresses.find_addresses(mail.original_header("To") or "")
        if not found:
            found = addresses.find_addresses(mail.original_header("Delivered-To") or "")
        diagnostic = unfold(mail.body.strip())[:1000]
        feedback_type = fields.get("feedback-type", "abuse").strip()
        diagnostic = diagnostic or f"Feedback report of type {feedback_type}"
        return [Evidence(recipient=a, action="failed", diagnostic=diagnostic, hint=Group.FEEDBACK)
                for a in dict.fromkeys(found)] or [
            Evidence(recipient=None, action="failed", diagnostic=diagnostic, hint=Group.FEEDBACK)]

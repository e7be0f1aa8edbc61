"""RFC 5965 Abuse Reporting Format: a complaint ("this is spam") about a message we sent.

The complained-about recipients are the report's ``Original-Rcpt-To`` fields (there may be
several) when present, else the ``X-HmXmrOriginalRecipient`` header Microsoft adds to the quoted
original message, else that message's ``To``. Its group is ``feedback``
by definition. Microsoft's older junk-mail reports (``Subject: complaint about message from IP``,
the original attached as message/rfc822, no feedback-report part) are read the same way.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, part_text, unfold
from ..model import Evidence, Group


_RECIPIENT_FIELD = re.compile(r"(?im)^(?:Original-Rcpt-To|Removal-Recipient):[ \t]*(.+)$")


class ARF:
    name = "arf"

    def matches(self, mail: Mail) -> bool:
        if mail.feedback_fields is not None:
            return True
        ctype = mail.header("Content-Type")
        return "feedback-report" in ctype.lower() or (
            mail.subject.lower().startswith("complaint about message from") and mail.original is not None)

    def parse(self, mail: Mail) -> list[Evidence]:
        fields = mail.feedback_fields or {}
        found: list[str] = []
        for part in mail.parts:  # every recipient field, not only the first of each name
            if part.get_content_type() == "message/feedback-report":
                for m in _RECIPIENT_FIELD.finditer(part_text(part)):
                    found += addresses.find_addresses(m.group(1))
        if not found:
            # Microsoft's JMRP/SNDS reports name the complaining recipient in a header they add to
            # the returned message (its To is often redacted or lists others)
            found = addresses.find_addresses(mail.original_header("X-HmXmrOriginalRecipient") or "")
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

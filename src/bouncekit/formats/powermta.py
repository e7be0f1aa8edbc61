"""PowerMTA (Port25 / SparkPost Momentum) delivery reports.

Subject "Delivery report", a ``multipart/report`` whose first part says "Hello, this is the mail
server on <host>" and lists "<user@example.org>  delivery failed; will not continue trying"; the
DSN part adds ``X-PowerMTA-VirtualMTA`` and, per recipient, ``X-PowerMTA-BounceCategory``.

That category is PowerMTA's explicit, machine-readable bounce type; the unambiguous ones are
given as hints (bad-mailbox, bad-domain, inactive-mailbox, quota-issues, virus-related, spam-related).
"""

from __future__ import annotations

from dataclasses import replace

from ..mail import Mail
from ..model import Evidence, Group
from ._common import dsn_evidence

_HINTS = {
    "bad-mailbox": Group.UNKNOWN_USER,
    "bad-domain": Group.UNKNOWN_HOST,
    "inactive-mailbox": Group.SUSPENDED,
    "quota-issues": Group.MAILBOX_FULL,
    "virus-related": Group.VIRUS_DETECTED,
    "spam-related": Group.SPAM_DETECTED,
}


class PowerMTA:
    name = "powermta"

    def matches(self, mail: Mail) -> bool:
        if mail.subject.strip().lower() != "delivery report":
            return False
        return any("x-powermta-virtualmta" in b or "x-powermta-bouncecategory" in b for b in mail.status_blocks)

    def parse(self, mail: Mail) -> list[Evidence]:
        categories = [b.get("x-powermta-bouncecategory", "").strip().lower()
                      for b in mail.status_blocks if b.get("final-recipient") or b.get("original-recipient")]
        out = []
        for i, ev in enumerate(dsn_evidence(mail)):
            hint = _HINTS.get(categories[i]) if i < len(categories) else None
            out.append(replace(ev, hint=hint) if hint else ev)
        return out

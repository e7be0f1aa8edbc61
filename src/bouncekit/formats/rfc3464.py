"""RFC 3464 delivery status notifications (and RFC 6533 internationalised ones).

The standard every modern MTA speaks: a ``multipart/report`` whose ``message/delivery-status``
part holds one field block per recipient. Vendor decoders that also send DSNs run before this
one only where their human-readable part says more than the fields do.

Some MTAs print the same fields inside their own text part instead (a "Technical report:" under
the explanation, often quoted-printable encoded, in a ``multipart/mixed``): those field blocks
are read the same way, when the message has no delivery-status part of its own.
"""

from __future__ import annotations

import re

from ..mail import Mail, parse_field_blocks
from ..model import Evidence
from ._common import combine, dsn_evidence, scan_text, sender_addresses

# The first field of a per-message or per-recipient DSN block, at the start of a line of a text part.
_INLINE_FIELD = re.compile(r"(?im)^(?:Reporting-MTA|Final-Recipient|Original-Recipient)[ \t]*:[ \t]*\S")
_RECIPIENT_KEYS = ("final-recipient", "original-recipient")
_DSN_KEYS = frozenset({"reporting-mta", "final-recipient", "original-recipient", "action", "status",
                       "diagnostic-code", "remote-mta", "arrival-date", "received-from-mta",
                       "last-attempt-date", "x-actual-recipient", "will-retry-until"})


def inline_blocks(mail: Mail) -> list[dict[str, str]]:
    """DSN field blocks printed in the text parts of a multipart bounce (not in a delivery-status part).

    Only the bounce's own text parts are read (never the returned message). The blocks run from the
    first ``Reporting-MTA`` / ``Final-Recipient`` / ``Original-Recipient`` line to the first block that
    holds no DSN field; they count only when one of them names a recipient *and* says what happened
    (an ``Action``, a ``Status`` or a ``Diagnostic-Code``).
    """
    if not mail.msg.is_multipart():
        return []  # a one-part message's inline fields are already in mail.status_blocks
    for text in mail.text_parts:
        m = _INLINE_FIELD.search(text)
        if not m:
            continue
        blocks = []
        for block in parse_field_blocks(text[m.start():]):
            if not _DSN_KEYS.intersection(block):
                break
            blocks.append(block)
        if any(any(k in b for k in _RECIPIENT_KEYS) and ("action" in b or "status" in b or "diagnostic-code" in b)
               for b in blocks):
            return blocks
    return []


class RFC3464:
    name = "rfc3464"

    def matches(self, mail: Mail) -> bool:
        return bool(mail.status_blocks) or bool(inline_blocks(mail))

    def parse(self, mail: Mail) -> list[Evidence]:
        found = dsn_evidence(mail) if mail.status_blocks else dsn_evidence(mail, inline_blocks(mail))
        if any(not ev.diagnostic for ev in found):
            # Fields with no Diagnostic-Code: the human-readable part often quotes the server's reply
            # ("a@b: 550 5.1.1 ... User unknown", a sendmail transcript): read it as free text.
            human = {ev.recipient.lower(): ev for ev in scan_text(mail.body, exclude=sender_addresses(mail))
                     if ev.recipient and ev.diagnostic}
            found = [combine([ev], human)[0] if not ev.diagnostic else ev for ev in found]
        return found

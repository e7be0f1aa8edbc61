"""Last resort: flufl.bounce's detectors find the recipients of mail no decoder of ours reads.

flufl.bounce knows only *which* addresses bounced, so the diagnostic is the explanation text
around each address (or the whole explanation) and the rules decide the group from it.

flufl.bounce's detectors try every pattern on every line of every text part (about 30 µs a
line), so a long message is handed to it cut down: its headers and the first
:data:`FLUFL_MAX_LINES` lines (at most :data:`FLUFL_MAX_CHARS` characters) of its text. The
explanation a last-resort detector needs is at the top. Its detectors log their own failures
with a traceback; a NullHandler keeps that off stderr when the application configured no logging.
"""

from __future__ import annotations

import email.policy
import logging
from dataclasses import replace
from email.message import Message

from flufl.bounce import all_failures

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence, sender_addresses
from ._scan import scan_text


class Flufl:
    name = "flufl"

    def matches(self, mail: Mail) -> bool:
        return True

    def parse(self, mail: Mail) -> list[Evidence]:
        try:
            temporary, permanent = all_failures(_bounded(mail))  # in this order
        except Exception:  # a detector's own bug (Yale's on a message without From): nothing found
            return []
        by_text = {e.recipient.lower(): e for e in scan_text(mail.body, exclude=sender_addresses(mail)) if e.recipient}
        out: list[Evidence] = []
        for raw, action in [(a, "failed") for a in sorted(permanent)] + [(a, "delayed") for a in sorted(temporary)]:
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            addr = addresses.normalize(text)
            if addr is None:
                continue
            known = by_text.get(addr.lower())
            if known is not None:
                # the words around the address, with flufl.bounce's verdict (a warning or a failure)
                # unless the server's code in them says which it is
                out.append(known if known.status or known.reply_code else replace(known, action=action))
            else:
                out.append(evidence(addr, unfold(mail.body)[:1000], action=action))
        return out


#: How much text flufl.bounce is given (see the module docstring).
FLUFL_MAX_LINES = 1000
FLUFL_MAX_CHARS = 64 * 1024

logging.getLogger("flufl.bounce").addHandler(logging.NullHandler())


def _bounded(mail: Mail) -> Message:
    """The message itself when it is short, else its headers and the top of its text as one text part."""
    text = "\n".join(mail.text_parts)
    if len(mail.parts) <= 8 and len(text) <= FLUFL_MAX_CHARS and text.count("\n") <= FLUFL_MAX_LINES:
        return mail.msg
    short = Message(policy=email.policy.compat32)
    for name, value in mail.msg.raw_items():
        if name.lower() not in ("content-type", "content-transfer-encoding"):
            short[name] = value
    short["Content-Type"] = "text/plain; charset=utf-8"
    short.set_payload("\n".join(text[:FLUFL_MAX_CHARS].split("\n")[:FLUFL_MAX_LINES]))
    return short

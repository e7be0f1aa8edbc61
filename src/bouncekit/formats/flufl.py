"""Last resort: flufl.bounce's detectors find the recipients of mail no decoder of ours reads.

flufl.bounce knows only *which* addresses bounced, so the diagnostic is the explanation text
around each address (or the whole explanation) and the rules decide the group from it.
"""

from __future__ import annotations

from flufl.bounce import all_failures

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence, scan_text, sender_addresses


class Flufl:
    name = "flufl"

    def matches(self, mail: Mail) -> bool:
        return True

    def parse(self, mail: Mail) -> list[Evidence]:
        permanent, temporary = all_failures(mail.msg)
        by_text = {e.recipient.lower(): e for e in scan_text(mail.body, exclude=sender_addresses(mail)) if e.recipient}
        out: list[Evidence] = []
        for raw, action in [(a, "failed") for a in sorted(permanent)] + [(a, "delayed") for a in sorted(temporary)]:
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            addr = addresses.normalize(text)
            if addr is None:
                continue
            known = by_text.get(addr.lower())
            if known is not None:
                out.append(known)
            else:
                out.append(evidence(addr, unfold(mail.body)[:1000], action=action))
        return out

"""Free-text bounces of any MTA: the last built-in decoder before flufl.bounce.

Many servers still send a plain explanation with no DSN part ("The following address(es)
failed", "I'm afraid I wasn't able to deliver"). When the message reads as a bounce (a
daemon sender, a null return path or a bounce-like subject, or, failing those, an explanation
that opens by saying the message could not be delivered to someone), each address in its
explanation is taken with the words around it.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import looks_like_bounce, sender_addresses
from ._scan import scan_text

# The opening of a non-delivery report in its own words, for bounces sent from an ordinary-looking
# address with a plain subject ("Subject: Mail", "From: no-reply@..."): "Could not be delivered to:
# <a@b>", "Your message was not delivered to", "Delivery to the following recipient failed".
_FAILURE_OPENING = re.compile(
    r"(?i)\b(?:could\s+not\s+be\s+delivered\s+to|was\s+not\s+delivered\s+to|"
    r"delivery\s+to\s+the\s+following\s+recipients?\s+(?:has\s+)?failed|"
    r"(?:could\s+not|unable\s+to)\s+deliver\s+(?:your\s+)?(?:message|mail)\s+to|"
    r"undeliverable\s+to)\b")
_REPLY_SUBJECT = re.compile(r"(?i)^\s*(?:re|fwd?|aw|wg|tr|sv|vs)\s*:")


def _opens_as_bounce(mail: Mail) -> bool:
    """An explanation that opens with a failure to deliver, in a message that is no reply or forward."""
    if (_REPLY_SUBJECT.match(mail.subject) or mail.has_header("In-Reply-To") or mail.has_header("References")
            or mail.content_type == "multipart/report"):
        return False  # (a report that passed no other guard stays with flufl.bounce, as before)
    return bool(_FAILURE_OPENING.search(mail.body_head(600)))


class PlainText:
    name = "text"

    def matches(self, mail: Mail) -> bool:
        return looks_like_bounce(mail) or _opens_as_bounce(mail)

    def parse(self, mail: Mail) -> list[Evidence]:
        return scan_text(mail.body, exclude=sender_addresses(mail))

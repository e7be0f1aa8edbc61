"""Google Groups: a post to a group that does not exist or does not accept the sender.

Gmail's daemon (``mailer-daemon@googlemail.com``) sends a plain-text notice, in the poster's
language, naming the group in ``X-Failed-Recipients``; the text says the group may not exist
or the sender may not post to it, and ends with a "Google Groups" signature and a link to
``groups.google.com``. There is no SMTP reply and no status code: none is reported.
"""

from __future__ import annotations

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence


class GoogleGroups:
    name = "googlegroups"

    def matches(self, mail: Mail) -> bool:
        return ("mailer-daemon@googlemail.com" in mail.sender or "mailer-daemon@google.com" in mail.sender) \
            and bool(mail.header("X-Failed-Recipients")) and not mail.msg.is_multipart()

    def parse(self, mail: Mail) -> list[Evidence]:
        body = mail.body
        if "groups.google.com" not in body and "Google Groups" not in body:
            return []  # an ordinary Gmail bounce: the Gmail decoder reads it
        text = unfold(body.split("\n\n\n")[0]) if "\n\n\n" in body else unfold(body)
        return [evidence(a, text, action="failed", clean=False)
                for a in dict.fromkeys(addresses.find_addresses(mail.header("X-Failed-Recipients")))]

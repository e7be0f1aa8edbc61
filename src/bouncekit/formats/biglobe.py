"""BIGLOBE, a Japanese ISP.

``From: postmaster@biglobe.ne.jp`` (or ``postmaster@mail.biglobe.ne.jp``), ``Subject: Returned
mail: ...``, MIME boundaries that name ``Biglobe``. The text part::

       ----- The following addresses had delivery problems -----
    user@example.biglobe.ne.jp

       ----- Non-delivered information -----
    The number of messages in recipient's mailbox exceeded the local limit.

The "Non-delivered information" paragraph is BIGLOBE's own explanation, for every listed address.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_LIST = re.compile(r"(?im)^[^\S\n]*-+\s*The following addresses had delivery problems\s*-+\s*$")
_INFO = re.compile(r"(?im)^[^\S\n]*-+\s*Non-delivered information\s*-+\s*$")


class Biglobe:
    name = "biglobe"

    def matches(self, mail: Mail) -> bool:
        return "biglobe.ne.jp" in mail.sender and mail.subject.lower().startswith("returned mail:")

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        start, info = _LIST.search(text), _INFO.search(text)
        if not start:
            return []
        listed = addresses.find_addresses(text[start.end():info.start() if info else len(text)])
        words = ""
        if info:
            words = unfold(text[info.end():].strip().split("\n\n", 1)[0].split("\n--", 1)[0])
        return [evidence(recipient, words) for recipient in listed]

"""Format decoders and the one ordered registry that the parser walks.

Each decoder is a small class with a ``name``, a cheap ``matches(mail)`` guard and
``parse(mail) -> list[Evidence]``. The order matters:

1. vendor decoders first: where a vendor also sends an RFC 3464 DSN, its own text often says
   more (the SMTP command, the full server reply), and some vendors send no DSN at all;
2. the standards (ARF complaints, RFC 3464 DSNs) next;
3. auto-replies after the failure decoders, since many bounces carry ``Auto-Submitted`` too;
4. the free-text scanner, then flufl.bounce as the last resort.

The first decoder whose guard passes *and* that returns at least one record wins.
"""

from __future__ import annotations

from typing import Protocol

from ..mail import Mail
from ..model import Evidence
from .activehunter import ActiveHunter
from .apachejames import ApacheJames
from .arf import ARF
from .bigfoot import Bigfoot
from .biglobe import Biglobe
from .autoreply import AutoReply
from .courier import Courier
from .dragonfly import DragonFly
from .exim import Exim
from .flufl import Flufl
from .fml import FML
from .opensmtpd import OpenSMTPD
from .postfix import Postfix
from .qmail import Qmail
from .rfc3464 import RFC3464
from .sendmail import Sendmail
from .v5sendmail import V5Sendmail
from .verizon import Verizon
from .x1 import X1
from .x2 import X2
from .x3 import X3
from .x6 import X6
from .text import PlainText


class Format(Protocol):
    """What a format decoder provides."""

    name: str

    def matches(self, mail: Mail) -> bool:
        """Cheap guard: headers, subject, sender; no full-body scans."""

    def parse(self, mail: Mail) -> list[Evidence]:
        """One Evidence per recipient; an empty list when this is not the decoder's format after all."""


#: The registry, in the order decoders are tried.
REGISTRY: tuple[Format, ...] = (
    # classic MTAs (plain-text bounces, or DSNs whose human part says more)
    DragonFly(),
    Exim(),
    Postfix(),
    Bigfoot(),  # before Sendmail: Sendmail's report from a forwarder
    Biglobe(),  # before Sendmail: its subject is Sendmail's too ('Returned mail: ...')
    ActiveHunter(),
    V5Sendmail(),  # before Sendmail: same sender and subject, told apart by the missing list and DSN
    Sendmail(),
    Qmail(),
    OpenSMTPD(),
    Courier(),
    X1(),
    X2(),
    X3(),
    X6(),
    FML(),
    ApacheJames(),
    Verizon(),
    ARF(),
    RFC3464(),
    AutoReply(),
    PlainText(),
    Flufl(),
)

__all__ = ["REGISTRY", "Format"]

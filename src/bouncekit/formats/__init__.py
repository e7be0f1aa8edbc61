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
from .amavis import Amavis
from .amazonses import AmazonSES
from .amazonworkmail import AmazonWorkMail
from .apachejames import ApacheJames
from .arf import ARF
from .autoreply import AutoReply
from .barracuda import Barracuda
from .bigfoot import Bigfoot
from .biglobe import Biglobe
from .courier import Courier
from .domino import Domino
from .dragonfly import DragonFly
from .exchange2003 import Exchange2003
from .exchange2007 import Exchange2007
from .exim import Exim
from .ezweb import EZweb
from .flufl import Flufl
from .fml import FML
from .gmail import Gmail
from .gmx import GMX
from .googlegroups import GoogleGroups
from .imailserver import IMailServer
from .kddi import KDDI
from .mailfoundry import MailFoundry
from .mailgun import Mailgun
from .mailjet import Mailjet
from .mailmarshal import MailMarshal
from .mailru import MailRu
from .mandrill import Mandrill
from .mcafee import McAfee
from .messagelabs import MessageLabs
from .messagingserver import MessagingServer
from .mfilter import MFilter
from .mimecast import Mimecast
from .mxlogic import MXLogic
from .notes import Notes
from .office365 import Office365
from .opensmtpd import OpenSMTPD
from .outlook import Outlook
from .postfix import Postfix
from .postmark import Postmark
from .powermta import PowerMTA
from .qmail import Qmail
from .rfc3464 import RFC3464
from .sendgrid import SendGrid
from .sendmail import Sendmail
from .sparkpost import SparkPost
from .surfcontrol import SurfControl
from .text import PlainText
from .trendmicro import TrendMicro
from .v5sendmail import V5Sendmail
from .verizon import Verizon
from .x1 import X1
from .x2 import X2
from .x3 import X3
from .x6 import X6
from .yahoo import Yahoo
from .yandex import Yandex
from .zoho import Zoho


class Format(Protocol):
    """What a format decoder provides."""

    name: str

    def matches(self, mail: Mail) -> bool:
        """Cheap guard: headers, subject, sender; no full-body scans."""

    def parse(self, mail: Mail) -> list[Evidence]:
        """One Evidence per recipient; an empty list when this is not the decoder's format after all."""


#: The registry, in the order decoders are tried.
REGISTRY: tuple[Format, ...] = (
    # Vendors. WorkMail sends through SES (same From): it goes before AmazonSES.
    AmazonWorkMail(),
    AmazonSES(),
    GoogleGroups(),  # same daemon address as Gmail: goes first, and passes what is not a group notice
    Gmail(),
    Yahoo(),  # also relayed by other senders (SES): it recognises its first body line, not the sender
    MailRu(),
    Yandex(),
    GMX(),
    SendGrid(),
    EZweb(),
    KDDI(),
    # Sending services' JSON webhook events (they never send a DSN of their own).
    Mailgun(),
    Postmark(),
    Mandrill(),
    SparkPost(),
    Mailjet(),
    # Standards.
    ARF(),
    # Microsoft: the hosted services before on-premises Exchange, which share its layout and
    # its "Undeliverable:" subject; all of them before RFC3464 (their text holds the fuller reply).
    Office365(),
    Outlook(),
    Exchange2007(),
    Exchange2003(),
    Domino(),
    Notes(),
    MessagingServer(),
    IMailServer(),
    # Commercial gateways, each recognised by its own header or subject.
    MailFoundry(),
    MailMarshal(),
    McAfee(),
    MXLogic(),
    Barracuda(),
    SurfControl(),
    TrendMicro(),
    MFilter(),
    Mimecast(),
    MessageLabs(),
    Amavis(),
    PowerMTA(),
    Zoho(),
    # Classic MTAs. Their guards are broad (Exim's X-Failed-Recipients, Postfix's banner, Sendmail's
    # subject) because hosted services run them underneath: the services above recognise themselves
    # first. All before RFC3464: their human-readable part holds the command and the fuller reply.
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
    RFC3464(),
    AutoReply(),
    PlainText(),
    Flufl(),
)

__all__ = ["REGISTRY", "Format"]

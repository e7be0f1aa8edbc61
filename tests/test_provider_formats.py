"""Robustness of the provider / sending-service decoders: no crash and no records on junk,
and the same result for LF, CRLF and CR copies of their fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bouncekit import parse
from bouncekit.formats import REGISTRY
from bouncekit.mail import Mail

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROVIDERS = ("amazonses", "amazonworkmail", "gmail", "googlegroups", "yahoo", "mailru", "yandex", "gmx",
             "sendgrid", "ezweb", "kddi", "mailgun", "postmark", "mandrill", "sparkpost", "mailjet")
JUNK = [
    b"",
    b"\x00\xff garbage \x1b$B",
    b"From: someone@example.com\nSubject: hello\n\nJust a note.\n",
    b"From: MAILER-DAEMON@yahoo.com\nSubject: Failure Notice\n\nSorry, we were unable to deliver your message\n",
    b"From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n{\"notificationType\": \"Bounce\"\n",
    b"From: relay@example.com\nSubject: hook\n\n[{\"msys\": {}}, 3, null]\n",
    b"From: relay@example.com\nSubject: hook\n\nmandrill_events=%5Bnot-json\n",
    b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: x\n\n** Address not found **\n",
]


@pytest.mark.parametrize("data", JUNK)
@pytest.mark.parametrize("name", PROVIDERS)
def test_no_records_on_junk(name: str, data: bytes) -> None:
    decoder = next(d for d in REGISTRY if d.name == name)
    mail = Mail.from_bytes(data)
    if decoder.matches(mail):
        assert decoder.parse(mail) == []


@pytest.mark.parametrize("path", sorted(p for n in PROVIDERS for p in (FIXTURES / n).glob("*.eml")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_line_endings_agree(path: Path) -> None:
    data = path.read_bytes().replace(b"\r\n", b"\n")
    results = [parse(d).to_dict() for d in (data, data.replace(b"\n", b"\r\n"), data.replace(b"\n", b"\r"))]
    assert results[0]["deliveries"] and results[0] == results[1] == results[2]

"""Mail's views of awkward MIME."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from bouncekit.mail import Mail

BROKEN_CONTENT_TYPE = b"""From: "Mail Deliver System" <MAILER-DAEMON>
Subject: Returned Mail: User unknown
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain
   charset="iso-2022-jp"

---The following addresses had delivery errors---

ivan@example.org [User unknown]

--b1
Content-Type: text/plain; charset=US-ASCII

the returned message
--b1--
"""


def test_a_type_glued_to_its_parameters_is_still_text_plain() -> None:
    mail = Mail.from_bytes(BROKEN_CONTENT_TYPE)
    assert "ivan@example.org [User unknown]" in mail.body
    assert len(mail.text_parts) == 2


UNINDENTED_BOUNDARY = b"""From: postmaster@example.com
Subject: Undeliverable: report
Content-Type: multipart/report; report-type=delivery-status; boundary="outer"

--outer
Content-Type: multipart/alternative; differences=Content-Type;
boundary="inner"

--inner
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Remote Server returned '550 5.1.1 <una@example.org>... User Unkn=
own'
--inner--

--outer--
"""


def test_a_boundary_parameter_that_lost_its_indent_still_splits_the_multipart() -> None:
    mail = Mail.from_bytes(UNINDENTED_BOUNDARY)
    assert "User Unknown'" in mail.body  # the part is found, and its quoted-printable decoded
    assert "Unkn=" not in mail.body
    # CRLF line ends are normalised first, so they get the same repair
    assert Mail.from_bytes(UNINDENTED_BOUNDARY.replace(b"\n", b"\r\n")).body == mail.body


def test_your_message_was_not_delivered_is_the_explanation_not_the_returned_message() -> None:
    """"Your message was not delivered ..." opens many bounces: only "Your message was:" (a colon,
    the returned message's headers next) marks where the original begins."""
    raw = (b"From: postmaster@mail.example.com\nSubject: Returned mail\n\n"
           b"Your message was not delivered within 5 days.\nRemote host is not responding.\n\n"
           b"<mike@example.org>\n\nYour message was:\n\nFrom: alice@example.com\nTo: mike@example.org\n")
    body = Mail.from_bytes(raw).body
    assert body.startswith("Your message was not delivered within 5 days.")
    assert "<mike@example.org>" in body and "From: alice@example.com" not in body


# Bounces written in the charsets non-English servers declare (fixtures/text/16-21), each decoded
# before matching: the body and the subject read as the words the server wrote.
DECLARED_CHARSETS = [
    ("16.eml", "koi8-r", "почтовый ящик переполнен", "Недоставленное сообщение"),
    ("17.eml", "euc-jp", "宛先のユーザーは存在しません", "配信エラー"),
    ("18.eml", "gb2312", "收件人邮箱已满", "退信通知"),
    ("19.eml", "windows-1252", "la boîte aux lettres du destinataire est pleine", "Non remis : Rapport de non-remise"),
    ("20.eml", "windows-1251", "пользователь не найден", "Сообщение не доставлено"),
    ("21.eml", "iso-8859-1", "Empfänger unbekannt", "Unzustellbar: Rückmeldung"),
]


@pytest.mark.parametrize(("name", "charset", "words", "subject"), DECLARED_CHARSETS)
def test_declared_charsets_are_decoded(name: str, charset: str, words: str, subject: str) -> None:
    data = (FIXTURES / "text" / name).read_bytes()
    assert f'charset="{charset}"'.encode() in data and words.encode("utf-8") not in data  # truly encoded
    mail = Mail.from_bytes(data)
    assert words in mail.body
    assert mail.subject == subject

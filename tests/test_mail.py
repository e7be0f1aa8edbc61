"""Mail's views of awkward MIME."""

from __future__ import annotations

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

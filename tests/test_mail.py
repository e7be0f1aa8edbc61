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

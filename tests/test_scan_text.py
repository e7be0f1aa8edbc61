"""The free-text scanner (formats._scan.scan_text) on the layouts MTAs use, one rule per test.

The fixtures under fixtures/text/ show whole messages; these pin the single habits of the reader.
"""

from __future__ import annotations

from bouncekit.formats._scan import scan_text
from bouncekit.mail import Mail


def _one(text: str, **kw: object) -> dict[str, object]:
    found = scan_text(text, **kw)  # type: ignore[arg-type]
    assert len(found) == 1, found
    ev = found[0]
    return {"recipient": ev.recipient, "status": ev.status, "reply_code": ev.reply_code,
            "diagnostic": ev.diagnostic, "command": ev.command}


def test_reply_on_the_line_after_the_command_that_was_refused() -> None:
    text = ("There was an error delivering your mail to <bob@example.net>.\n\n"
            "mx.example.net [192.0.2.25] did not like our final DATA:\n"
            "554 5.7.1 Message rejected as spam\n")
    got = _one(text)
    assert (got["status"], got["reply_code"], got["command"]) == ("5.7.1", "554", "DATA")
    assert got["diagnostic"] == "554 5.7.1 Message rejected as spam"


def test_reply_after_a_colon_in_prose() -> None:
    text = ("Delivery to the following recipient failed permanently:\n\n     bob@example.net\n\n"
            "Technical details of permanent failure:\nThe error that the other server returned was: "
            "550 5.2.2 Mailbox full\n")
    got = _one(text)
    assert (got["status"], got["reply_code"]) == ("5.2.2", "550")


def test_reply_in_the_returned_message_is_not_read() -> None:
    text = ("We could not deliver your mail to <bob@example.net>.\n\n"
            "Message headers follow.\n\nReceived: from x\nX-Note: 550 5.1.1 not this one\n")
    got = _one(text)
    assert got["reply_code"] is None and got["status"] is None


def test_labelled_reason_in_the_next_paragraph() -> None:
    text = "The following address failed:\n\n<bob@example.net>\n\nFor the following reason:\n\nMail size limit exceeded.\n"
    assert _one(text)["diagnostic"] == "Mail size limit exceeded."


def test_a_list_of_addresses_shares_the_reply_above_it() -> None:
    text = ("Could not be delivered because of\n\n550 5.1.1 User unknown\n\n"
            "The following recipients were affected:\n    a@example.org\n    b@example.org\n")
    found = scan_text(text)
    assert [ev.recipient for ev in found] == ["a@example.org", "b@example.org"]
    assert all(ev.diagnostic == "550 5.1.1 User unknown" for ev in found)


def test_a_heading_of_its_own_keeps_its_reply_to_itself() -> None:
    text = ("Unable to deliver to these addresses.\n\n<a@example.org>:\nSorry, mailbox unknown\n\n"
            "<b@example.org>:\n550: : Mailbox unavailable\n")
    found = {ev.recipient: ev for ev in scan_text(text)}
    assert set(found) == {"a@example.org", "b@example.org"}
    assert found["a@example.org"].reply_code is None
    assert found["b@example.org"].reply_code == "550"


def test_sendmail_summary_line_gives_the_servers_words() -> None:
    text = "554 <k@example.net>... 550 Host unknown (Authoritative answer from name server)\n"
    got = _one(text)
    assert got["reply_code"] == "550" and got["diagnostic"].startswith("550 Host unknown")


def test_sender_named_in_the_text_is_not_a_recipient() -> None:
    text = ("A message sent by\n\n  <carl@example.org>\n\ncould not be delivered to one or more of its "
            "recipients. The following address(es) failed:\n\n  dan@example.net\n    550 5.1.1 unknown user\n")
    assert _one(text)["recipient"] == "dan@example.net"


def test_folded_header_lines_of_the_returned_message_name_no_recipient() -> None:
    text = ("Delivery has failed to these recipients:\n\nlena@example.org\n"
            "Remote Server returned '550 5.1.1 Recipient not found'\n\n"
            "Authentication-Results: spf=none (sender IP is 192.0.2.7)\n"
            " smtp.mailfrom=zed@example.org; dkim=none (message not signed)\n")
    assert _one(text)["recipient"] == "lena@example.org"


def test_a_role_account_is_the_recipient_when_no_other_address_failed() -> None:
    text = "There was an error delivering your mail to <postmaster@nohost.example.net>.\n\nDNS lookup failure\n"
    assert _one(text, exclude=["alice@example.com"])["recipient"] == "postmaster@nohost.example.net"
    # but not one of the bounce's own domain, and never when another recipient failed
    assert scan_text(text, exclude=["mailer-daemon@nohost.example.net"]) == []
    both = text + "\nAlso failed: <bob@example.org>: 550 5.1.1 unknown\n"
    assert [ev.recipient for ev in scan_text(both)] == ["bob@example.org"]


def test_an_alias_the_recipient_was_expanded_from_stays_in_its_paragraph() -> None:
    text = ("   ----- The following addresses had permanent fatal errors -----\nz@shaft.example.nl\n"
            "    (expanded from: z@example.nl)\n\n   ----- Transcript of session follows -----\n"
            "554 Too many hops 26 (25 max): to z@example.nl\n")
    found = {ev.recipient: ev for ev in scan_text(text)}
    assert found["z@shaft.example.nl"].reply_code == "554"


def test_a_file_path_ending_in_an_address_names_no_recipient() -> None:
    text = ("The following address(es) failed:\n\n  pipe to |/usr/bin/filter /home/u/.filter/u@example.org\n"
            "    generated by u@example.org\n    550 5.0.0 program failed\n")
    assert _one(text)["recipient"] == "u@example.org"


def _mail(head: str, body: str) -> Mail:
    return Mail.from_bytes((head + "\n\n" + body).encode())


def test_a_plain_looking_message_that_opens_with_a_failure_to_deliver_is_read_as_a_bounce() -> None:
    from bouncekit.formats.text import PlainText

    body = "Your mail sent on: Sat, 14 Mar 2026\n     Could not be delivered to: <pete@example.jp>\n"
    assert PlainText().matches(_mail("From: no-reply@example.jp\nSubject: Mail", body))
    # a person's reply or forward quoting such words is no bounce
    assert not PlainText().matches(_mail("From: bob@example.org\nSubject: Re: Mail", body))
    assert not PlainText().matches(_mail("From: bob@example.org\nSubject: Mail\nIn-Reply-To: <x@example.org>", body))
    assert not PlainText().matches(_mail("From: bob@example.org\nSubject: Lunch", "See you at noon.\n"))


def test_a_long_list_shares_the_reason_below_it_and_is_read_in_linear_time() -> None:
    import time

    items = "".join(f"  user{n}@example.org\n" for n in range(2000))
    text = "The following addresses failed:\n\n" + items + "\nReason: 550 5.1.1 unknown user\n"
    start = time.perf_counter()
    found = scan_text(text)
    assert time.perf_counter() - start < 5
    assert len(found) == 2000 and all(ev.reply_code == "550" and ev.status == "5.1.1" for ev in found)
    many = "Delivery failed for x@example.org\n" + "mention x@example.org again\n" * 5000
    start = time.perf_counter()
    assert [ev.recipient for ev in scan_text(many)] == ["x@example.org"]
    assert time.perf_counter() - start < 5


def test_the_refused_command_under_a_label() -> None:
    text = ("Sending to the following address failed.\nkim@example.com\n\n\n-------server message\n"
            "550 unknown user <kim@example.com>\n\n-------SMTP command\nDATA\n")
    got = _one(text)
    assert (got["reply_code"], got["command"], got["diagnostic"]) == ("550", "DATA", "550 unknown user <kim@example.com>")
    assert _one("Failed for <kim@example.com>: 550 5.1.1 unknown\nSMTP command: RCPT TO\n")["command"] == "RCPT"


def test_an_address_with_its_reason_indented_under_it_is_a_recipient() -> None:
    text = ("The following address(es) failed:\n\n  henry@example.net\n    host mx.example.net [198.51.100.40]\n"
            "    550 5.1.1 <henry@example.net>: User unknown\n  ivy@no-such-host.example.net\n"
            "    Unrouteable address\n")
    found = {ev.recipient: ev for ev in scan_text(text)}
    assert set(found) == {"henry@example.net", "ivy@no-such-host.example.net"}
    assert found["ivy@no-such-host.example.net"].diagnostic == "Unrouteable address"


def test_a_dsn_like_diagnostic_code_line_below_the_address() -> None:
    text = ("The following recipient(s) could not be reached:\n\nbob@example.net\n\n"
            "   Reason: Remote SMTP server has rejected address\n"
            "   Diagnostic code: smtp; 550 5.1.1 <bob@example.net>: User unknown in relay recipient table\n")
    got = _one(text)
    assert (got["status"], got["reply_code"]) == ("5.1.1", "550")
    assert got["diagnostic"] == "550 5.1.1 <bob@example.net>: User unknown in relay recipient table"


def test_an_address_labelled_as_recipient_is_one_whatever_its_words() -> None:
    text = ("Your message could not be delivered to some recipients.\n\n"
            "Recipient: <c@x.example>\nReason:    5.1.1 <c@x.example>... User unknown\n\n"
            "Recipient: <d@y.example>\nReason:    Connection timed out\n")
    found = {ev.recipient: ev for ev in scan_text(text)}
    assert set(found) == {"c@x.example", "d@y.example"}
    assert found["c@x.example"].status == "5.1.1"
    assert found["d@y.example"].diagnostic == "Connection timed out"


def test_reason_labels_in_other_languages() -> None:
    for text, words in (
        ("Ihre Nachricht konnte nicht zugestellt werden an:\n\n    ivan@example.de\n\nGrund:\n"
         "    Das Postfach des Empfaengers ist voll.\n", "Das Postfach des Empfaengers ist voll."),
        ("Votre message n'a pas pu être remis à :\n\n  jean@example.fr\n\nRaison : boîte pleine\n", "boîte pleine"),
        ("邮件无法发送到以下地址：\n\n  wang@example.cn\n\n原因：收件人邮箱已满\n", "收件人邮箱已满"),
    ):
        assert _one(text)["diagnostic"] == words


# --- the notice as a whole: a warning, or a final failure ------------------------------------------

def _actions(text: str) -> list[str]:
    return [ev.action for ev in scan_text(text)]


def test_a_warning_that_delivery_goes_on_delays_the_recipient() -> None:
    text = ("Your message with Subject: Minutes\ncould not be delivered to the following recipients:\n\n"
            "bob@example.net\n\nPlease do not resend your original message.\n\n"
            "Delivery attempts will continue to be made for 5 day(s).\n")
    assert _actions(text) == ["delayed"]


def test_a_not_yet_delivered_notice_is_a_delay() -> None:
    text = ("Your message to bob@example.net has not yet been delivered because the recipient "
            "server did not respond.\nNo action is required on your part.\n")
    assert _actions(text) == ["delayed"]


def test_a_permanent_reply_is_a_failure_whatever_the_notice_says() -> None:
    text = ("Your message has not yet been delivered to all recipients; delivery will be retried.\n\n"
            "bob@example.net: 550 5.1.1 User unknown\n")
    assert _actions(text) == ["failed"]


def test_a_notice_that_gave_up_fails_a_transient_reply() -> None:
    text = ("Hi. This is the qmail-send program at mx.example.org.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
            "<bob@example.net>:\nSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
            "I'm not going to try again; this message has been in the queue too long.\n")
    assert _actions(text) == ["failed"]


def test_a_notice_saying_both_keeps_what_the_code_says() -> None:
    text = ("bob@example.net: 451 4.3.0 Temporary failure\n\n"
            "This is a warning: we will keep trying. We gave up on the other copy.\n")
    assert _actions(text) == ["delayed"]


def test_a_reason_stated_for_the_whole_notice_explains_its_recipients() -> None:
    text = ("This Message was undeliverable due to the following reason:\n\n"
            "Your message was not delivered within 2 days.\nHost example.net is not responding.\n\n"
            "The following recipients did not receive your message:\n\n     <bob@example.net>\n"
            "The following recipients did not receive your message:\n\n     <carol@example.net>\n")
    found = scan_text(text)
    assert [ev.recipient for ev in found] == ["bob@example.net", "carol@example.net"]
    for ev in found:
        assert "not delivered within 2 days" in ev.diagnostic


def test_the_notice_reason_can_hold_the_servers_reply() -> None:
    # the reply names the address the mail was forwarded to: both failed, for the same reason
    text = ("Sorry, unable to deliver your message to bob@example.net for\nthe following reason:\n\n"
            " 552 Quota violation for robert@example.org\n")
    found = {ev.recipient: ev for ev in scan_text(text)}
    assert set(found) == {"bob@example.net", "robert@example.org"}
    assert found["bob@example.net"].reply_code == "552"
    assert "Quota violation" in found["bob@example.net"].diagnostic


def test_a_reply_code_labelled_without_a_colon() -> None:
    got = _one("<bob@example.net>: Requested action not taken: mailbox unavailable. [SMTP Error Code 550]\n")
    assert got["reply_code"] == "550"

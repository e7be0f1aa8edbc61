"""Finding the failed recipients: free-text failure lines versus advice, and the DSN recipient policy."""

from __future__ import annotations

import pytest

from bouncekit.formats._scan import scan_text


def _recipients(text: str) -> list[str]:
    return [ev.recipient for ev in scan_text(text)]


def test_advice_addresses_are_not_recipients() -> None:
    text = (
        "Message not delivered to the following:\n"
        "\n"
        "carol@example.com    mailbox unavailable\n"
        "\n"
        "If no lookup tools are available to you, try sending to the most explicit form of\n"
        "the name, e.g., if c.smith@example.com fails, try carol.a.smith@example.com.\n"
        "To reach a party that was formerly reachable by emailing NAME@example.com,\n"
        "try emailing to NAME@lab.example.com instead.\n"
    )
    assert _recipients(text) == ["carol@example.com"]


def test_only_advice_gives_nothing() -> None:
    text = "Delivery failed.\n\nIf this fails, try dave.jones@example.org or finger NAME@directory.example.org.\n"
    assert _recipients(text) == []


def test_failure_told_in_the_addresses_own_sentence_wins() -> None:
    text = (
        "The standard form of email address here is first.last@example.org\n"
        "although individuals may choose another address. The address to\n"
        "which your message was addressed, erin@example.org, did not exactly match\n"
        "an address of ours.\n"
    )
    assert _recipients(text) == ["erin@example.org"]


def test_did_not_reach_is_a_failure_not_advice() -> None:
    text = "Did not reach the following recipient: frank@example.net\n"
    assert _recipients(text) == ["frank@example.net"]


def test_address_alone_under_a_failure_heading() -> None:
    text = "The following addresses had permanent errors:\n\n    grace@example.com\n"
    assert _recipients(text) == ["grace@example.com"]


# The DSN recipient policy (dsn_evidence): Final-Recipient first, Original-Recipient as the fallback.
def _dsn(final: str, original: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nFailed.\n\n--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.org\n\n"
        f"Final-Recipient: {final}\nOriginal-Recipient: {original}\nAction: failed\nStatus: 5.1.1\n\n--b--\n"
    ).encode()


def test_dsn_reports_the_final_recipient() -> None:
    from bouncekit import parse

    report = parse(_dsn("rfc822; hal@mbox.example.net", "rfc822;hal.jones@example.net"))
    assert [d.recipient for d in report.deliveries] == ["hal@mbox.example.net"]


def test_dsn_falls_back_to_the_original_recipient() -> None:
    from bouncekit import parse

    report = parse(_dsn("rfc822;", "rfc822;hal.jones@example.net"))
    assert [d.recipient for d in report.deliveries] == ["hal.jones@example.net"]


def test_unable_to_send_to_is_a_failure() -> None:
    assert _recipients("Unable to send to ivy@example.com: mailbox unavailable.\n") == ["ivy@example.com"]


# A Diagnostic-Code of type X-Unix is a local delivery program's report: mailer_error unless its words say more.
def _unix_dsn(diagnostic: str, status: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nFailed.\n\n--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.org\n\n"
        f"Final-Recipient: rfc822; jo@example.org\nAction: failed\nStatus: {status}\n"
        f"Diagnostic-Code: {diagnostic}\n\n--b--\n"
    ).encode()


def test_x_unix_diagnostic_is_a_local_program_failure() -> None:
    from bouncekit import parse

    (d,) = parse(_unix_dsn("x-unix; temporary failure", "4.3.0")).deliveries
    assert (d.group.value, d.rule, d.diagnostic) == ("mailer_error", "fact.local-program", "temporary failure")
    (d,) = parse(_unix_dsn("x-unix; /home/jo/Maildir/tmp/1.A: Disk quota exceeded", "5.2.2")).deliveries
    assert d.group.value == "mailbox_full"
    (d,) = parse(_unix_dsn("smtp; 451 4.3.0 temporary local failure", "4.3.0")).deliveries
    assert d.group.value == "system_error"


def test_exim_pipe_delivery_keeps_the_pipe_in_the_diagnostic() -> None:
    from bouncekit import parse

    data = (
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nTo: jo@example.net\n"
        "Subject: Mail delivery failed: returning message to sender\n\n"
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  pipe to |/usr/local/bin/autoreply kim@example.org\n"
        "    generated by kim@example.org\n\n"
        "The following text was generated during the delivery attempt:\n\n"
        "------ pipe to |/usr/local/bin/autoreply kim@example.org\n"
        "       generated by kim@example.org ------\n\n"
        "Cannot open template: No such file or directory\n"
    ).encode()
    (d,) = parse(data).deliveries
    assert d.recipient == "kim@example.org"
    assert d.diagnostic == ("pipe to |/usr/local/bin/autoreply kim@example.org: "
                            "Cannot open template: No such file or directory")
    assert d.group.value == "mailer_error"


def test_sendmail_reply_mentioning_an_address_is_not_filed_under_it() -> None:
    from bouncekit.formats.sendmail import Sendmail

    text = (
        "   ----- Transcript of session follows -----\n"
        "... while talking to mx.example.org.:\n"
        "<<< 554 IP=192.0.2.254 - A problem occurred. (Ask your postmaster to contact help@example.org.) (BL)\n"
        "554 5.0.0 Service unavailable\n"
    )
    replies, _, _ = Sendmail._transcript(text, {"lee@example.org"})
    assert list(replies) == [""] and replies[""][1] == "CONN"
    replies, _, _ = Sendmail._transcript(text.replace("help@", "lee@"), {"lee@example.org"})
    assert list(replies) == ["lee@example.org"]


def test_mail_client_unsubscribe_request_is_feedback_not_vacation() -> None:
    from bouncekit import parse

    head = ("From: pat@example.com\nTo: opt-out-1@lists.example.org\nSubject: {subject}\n"
            "Auto-Submitted: auto-replied\n{extra}\n")
    body = "Apple Mail sent this email to unsubscribe from the message \u201cNews\u201d.\n"
    (d,) = parse((head.format(subject="unsubscribe", extra="X-Apple-Unsubscribe: true\n") + body).encode()).deliveries
    assert (d.recipient, d.group.value) == ("pat@example.com", "feedback")
    away = head.format(subject="Out of office", extra="") + "I am away until Monday.\n"
    (d,) = parse(away.encode()).deliveries
    assert d.group.value == "vacation"


def test_flufl_fallback_keeps_its_permanent_and_temporary_failures_apart(monkeypatch) -> None:
    # flufl.bounce.all_failures gives (temporary, permanent); the words here name no recipient,
    # so the actions can only come from that pair
    from bouncekit.formats import flufl
    from bouncekit.mail import Mail

    mail = Mail.from_bytes(b"From: MAILER-DAEMON@example.org\nSubject: Returned mail\n\nSomething went wrong.\n")
    monkeypatch.setattr(flufl, "all_failures",
                        lambda msg: (frozenset({b"later@example.net"}), frozenset({b"gone@example.net"})))
    got = {ev.recipient: ev.action for ev in flufl.Flufl().parse(mail)}
    assert got == {"gone@example.net": "failed", "later@example.net": "delayed"}


@pytest.mark.parametrize("subject", [
    "Automatic reply: Minutes", "Automatische Antwort: Protokoll", "Réponse automatique : Compte rendu",
    "Respuesta automática: Acta", "Risposta automatica: Verbale", "Resposta automática: Ata",
    "Automatisch antwoord: Notulen", "Autosvar: Protokoll", "Автоматический ответ: Протокол",
    "自動応答: 議事録", "自动回复: 会议纪要", "Out of Office: Minutes", "Abwesenheitsnotiz: Protokoll",
])
def test_auto_reply_subjects_in_the_languages_clients_write_them(subject: str) -> None:
    # no Auto-Submitted header (a relay stripped it): the subject alone tells it is an auto-reply
    from email.header import Header

    from bouncekit import parse

    raw = (f"From: pat@example.com\nTo: news@example.org\nSubject: {Header(subject, 'utf-8').encode()}\n"
           "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nBack on Monday.\n")
    (d,) = parse(raw.encode()).deliveries
    assert (d.recipient, d.group.value) == ("pat@example.com", "vacation")


@pytest.mark.parametrize("subject", [
    "Undeliverable: Minutes", "Unzustellbar: Protokoll", "Non remis : Compte rendu", "No se puede entregar: Acta",
    "Non recapitabile: Verbale", "Não é possível entregar: Ata", "Onbestelbaar: Notulen", "Olevererbart: Protokoll",
    "Kan ikke leveres: Referat", "Niedostarczone: Protokół", "Nedoručitelné: Zápis", "Не удалось доставить: Протокол",
    "配信不能: 議事録", "无法送达: 会议纪要",
])
def test_non_delivery_subjects_in_the_languages_servers_write_them(subject: str) -> None:
    # an ordinary sender (a helpdesk's own address): the subject alone tells it is a bounce
    from email.header import Header

    from bouncekit.formats._common import looks_like_bounce
    from bouncekit.mail import Mail

    raw = f"From: helpdesk@example.org\nSubject: {Header(subject, 'utf-8').encode()}\n\nNot delivered.\n"
    assert looks_like_bounce(Mail.from_bytes(raw.encode()))


def test_microsoft_complaint_report_names_the_recipient_in_its_own_header() -> None:
    from bouncekit import parse

    raw = (b"From: staff@hotmail.com\nTo: fbl@example.com\nSubject: complaint about message from 192.0.2.7\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
           b"This is an email abuse report for an email message received from IP 192.0.2.7.\n\n"
           b"--b\nContent-Type: message/rfc822\n\nX-HmXmrOriginalRecipient: <pat@example.net>\n"
           b"From: news@example.com\nTo: undisclosed-recipients:;\nSubject: News\n\nHello\n--b--\n")
    (d,) = parse(raw).deliveries
    assert (d.recipient, d.group.value) == ("pat@example.net", "feedback")

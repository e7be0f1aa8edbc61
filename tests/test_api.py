"""The public API: what ``bouncekit`` exports, its records, and ``parse``'s promise never to raise on mail."""

from __future__ import annotations

import dataclasses
import random

import pytest

import bouncekit
from bouncekit import Delivery, Group, Report, RuleSet, classify, parse

from conftest import fixture_path


def test_star_import_exposes_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from bouncekit import *", namespace)
    namespace.pop("__builtins__", None)
    assert sorted(namespace) == sorted(bouncekit.__all__)
    assert len(set(bouncekit.__all__)) == len(bouncekit.__all__)
    for name in bouncekit.__all__:
        assert getattr(bouncekit, name) is namespace[name]


def test_version_is_a_string() -> None:
    assert isinstance(bouncekit.__version__, str) and bouncekit.__version__[0].isdigit()


def _report() -> Report:
    return parse(fixture_path("rfc3464", "01.eml").read_bytes())


def test_records_are_frozen_and_slotted() -> None:
    report = _report()
    delivery = report.deliveries[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.is_bounce = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        delivery.group = Group.DELIVERED  # type: ignore[misc]
    for obj in (report, delivery):
        assert not hasattr(obj, "__dict__")
    assert isinstance(report.deliveries, tuple) and isinstance(report.errors, tuple)


def test_to_dict_builds_a_new_dict() -> None:
    report = _report()
    first = report.to_dict()
    first["deliveries"][0]["group"] = "changed"
    first["errors"].append("changed")
    first["is_bounce"] = None
    second = report.to_dict()
    assert second is not first
    assert second["deliveries"][0]["group"] == report.deliveries[0].group.value != "changed"
    assert second["errors"] == list(report.errors)
    assert second["is_bounce"] is True
    d = report.deliveries[0]
    assert d.to_dict() is not d.to_dict()
    assert d.to_dict()["group"] == d.group.value and isinstance(d.to_dict()["group"], str)


def test_group_is_a_string_enum() -> None:
    assert Group.UNKNOWN_USER == "unknown_user"
    assert str(Group.MAILBOX_FULL) == "mailbox_full"
    with pytest.raises(ValueError):
        Group("unknwon_user")


_rng = random.Random(20250401)
_TRUNCATED = fixture_path("rfc3464", "01.eml").read_bytes()[:1500]
BAD_INPUTS = {
    "empty": b"",
    "random-binary": bytes(_rng.randrange(256) for _ in range(4096)),
    "nul-bytes": b"\x00" * 100,
    "only-newlines": b"\n\n\r\n\r",
    "truncated-multipart": _TRUNCATED,
    "broken-boundary": (b"From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail Returned to Sender\n"
                        b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"zz\n\n"
                        b"--yy\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.net\n"
                        b"Action: failed\nStatus: 5.1.1\n--zz"),
    "no-boundary-param": (b"From: MAILER-DAEMON@example.org\nContent-Type: multipart/report\n\n"
                          b"Final-Recipient: rfc822; a@example.net\n"),
    "8bit-headers": ("From: Mäiler Dæmon <MAILER-DAEMON@example.org>\nSubject: Unzustellbar: Grüße\n"
                     "To: jörg@example.com\n\n<jörg@example.net>: 550 5.1.1 Benutzer unbekannt\n").encode("utf-8"),
    "latin1-8bit-headers": "From: Dæmon <MAILER-DAEMON@example.org>\nSubject: Grüße\n\nx\n".encode("latin-1"),
    "wrong-charset": (b"From: MAILER-DAEMON@example.org\nSubject: failure notice\n"
                      b"Content-Type: text/plain; charset=utf-8\n\n<a@example.net>:\n\xff\xfe\x81 550 5.1.1 unknown\n"),
    "unknown-charset": (b"From: MAILER-DAEMON@example.org\nSubject: failure notice\n"
                        b"Content-Type: text/plain; charset=x-no-such-charset\n\n<a@example.net>: 550 no\n"),
    "bad-encoded-word": b"From: =?utf-8?B?!!!notbase64?= <MAILER-DAEMON@example.org>\nSubject: =?bogus?Q?x?=\n\nhi\n",
    "bad-base64-body": (b"From: MAILER-DAEMON@example.org\nSubject: Returned mail\nContent-Type: text/plain\n"
                        b"Content-Transfer-Encoding: base64\n\n!!!! this is not base64 ====\n"),
    "deep-nesting": b"Content-Type: multipart/mixed; boundary=a\n\n" + b"--a\nContent-Type: multipart/mixed; boundary=a\n\n" * 300,
    "huge-header-line": b"Subject: " + b"x" * 200000 + b"\n\nbody\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_parse_never_raises_on_bad_mail(name: str) -> None:
    data = BAD_INPUTS[name]
    for variant in (data, bytearray(data), memoryview(data), data.decode("latin-1")):
        report = parse(variant)
        assert isinstance(report, Report)
        assert isinstance(report.deliveries, tuple)
        assert report.is_bounce == bool(report.format)
        assert all(isinstance(e, str) and e.endswith(".") for e in report.errors)


def test_parse_empty_is_not_a_bounce() -> None:
    report = parse(b"")
    assert report.is_bounce is False and report.deliveries == () and report.format is None


@pytest.mark.parametrize("bad", [123, None, 1.5, ["a"], object()])
def test_parse_rejects_non_mail_types(bad: object) -> None:
    with pytest.raises(TypeError):
        parse(bad)  # type: ignore[arg-type]


def test_parse_accepts_str_and_message() -> None:
    import email

    data = fixture_path("rfc3464", "01.eml").read_bytes()
    by_bytes = parse(data)
    assert parse(data.decode("utf-8")) == by_bytes
    assert parse(email.message_from_bytes(data)) == by_bytes


def test_parse_file_reads_every_message_of_an_mbox() -> None:
    reports = bouncekit.parse_file(fixture_path("mbox", "two.mbox"))
    assert [r.is_bounce for r in reports] == [True, False]


USER_RULES = '[[rule]]\nid="t.x"\ngroup="rejected"\ndiagnostic="(?i)user unknown"\n'


def test_classify_with_another_ruleset() -> None:
    report = _report()
    builtin = report.deliveries[0]
    assert builtin.group is Group.UNKNOWN_USER and builtin.rule != "t.x"
    rules = RuleSet.builtin().with_user_rules(RuleSet.from_toml(USER_RULES))
    again = classify(builtin, rules=rules)
    assert isinstance(again, Delivery)
    assert again.group is Group.REJECTED and again.rule == "t.x"
    assert (again.recipient, again.status, again.reply_code, again.diagnostic) == (
        builtin.recipient, builtin.status, builtin.reply_code, builtin.diagnostic)
    assert builtin.group is Group.UNKNOWN_USER, "classify returns a new record"
    # the second recipient (mailbox full) does not say "user unknown": the built-in rules still decide
    other = classify(report.deliveries[1], rules=rules)
    assert other.group is report.deliveries[1].group and other.rule != "t.x"
    # with the built-in table, classification is stable
    assert classify(builtin) == builtin


def test_parse_with_rules() -> None:
    rules = RuleSet.builtin().with_user_rules(RuleSet.from_toml(USER_RULES))
    report = parse(fixture_path("rfc3464", "01.eml").read_bytes(), rules=rules)
    assert [d.group for d in report.deliveries][0] is Group.REJECTED


def test_classify_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        classify("550 5.1.1 user unknown")  # type: ignore[arg-type]

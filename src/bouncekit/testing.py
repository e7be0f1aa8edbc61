"""A kit for testing rule files: build bounces, assert their classification, check sample folders.

    from bouncekit import load_rules
    from bouncekit.testing import assert_classified, bounce

    RULES = load_rules(["rules/acme.toml"], plugins=False)

    def test_acme_quota():
        report = bounce(status="5.2.2", reply_code="552", diagnostic="acme relay: quota exceeded", rules=RULES)
        assert_classified(report, group="mailbox_full", hard=False, rule="acme.relay-quota")

:func:`make_bounce` writes a real message (an RFC 3464 delivery status notification, or a plain-text
bounce) that goes through :func:`bouncekit.parse` like any bounce; :func:`classify_evidence` skips
the mail and feeds the rule table directly (for format names no built message can stand for).
:func:`load_samples` and :func:`check_sample` run a folder of ``NAME.eml`` files against sidecar
``NAME.expected.json`` files. The pytest plugin (``bouncekit.pytest_plugin``, registered through the
``pytest11`` entry point) wraps these in fixtures. ``docs/testing-rules.md`` has the details.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .model import Delivery, Evidence, Group, Report
from .parse import classify, parse
from .rules import RuleSet

__all__ = ["Sample", "assert_classified", "bounce", "check_sample", "classify_evidence", "load_eml", "load_samples",
           "make_bounce", "write_expected"]

#: Formats :func:`make_bounce` can write.
BUILDABLE_FORMATS = ("rfc3464", "text")

_DATE = format_datetime(datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc))


def make_bounce(*, status: str | None = None, reply_code: str | None = None, diagnostic: str = "",
                remote_mta: str | None = None, recipient: str = "user@example.com", action: str | None = None,
                command: str | None = None, format: str = "rfc3464", reporting_mta: str = "mta.bouncekit.test",
                sender: str = "sender@example.org") -> bytes:
    """The raw bytes of a bounce for one recipient, built from these parameters.

    ``format="rfc3464"`` writes a multipart/report DSN: ``status`` goes to the Status field,
    ``remote_mta`` to Remote-MTA, and the Diagnostic-Code reads ``smtp; REPLY_CODE DIAGNOSTIC (in reply
    to COMMAND command)``.
    ``format="text"`` writes a plain-text bounce whose explanation reads ``host REMOTE_MTA said:
    REPLY_CODE STATUS DIAGNOSTIC (in reply to COMMAND command)``. Parameters left None are left out
    of the message (no code is invented); ``action`` defaults to ``delayed`` for a class 4 code and
    ``failed`` otherwise.
    """
    if action is None:
        action = "delayed" if (status or reply_code or "5").startswith("4") else "failed"
    if format not in BUILDABLE_FORMATS:
        raise ValueError(f"make_bounce() writes the formats {', '.join(BUILDABLE_FORMATS)}, not {format!r}; "
                         f"use classify_evidence() to test rules on other format names.")
    words = " ".join(part for part in (reply_code, diagnostic) if part)
    if format == "text":
        return _text_bounce(words, status, remote_mta, recipient, command, reporting_mta, sender)
    fields = [f"Final-Recipient: rfc822; {recipient}", f"Action: {action}"]
    if status:
        fields.append(f"Status: {status}")
    if remote_mta:
        fields.append(f"Remote-MTA: dns; {remote_mta}")
    if command:
        words = f"{words} (in reply to {command.upper()} command)".strip()
    if words:
        fields.append(f"Diagnostic-Code: smtp; {words}")
    human = f"Your message to <{recipient}> could not be delivered."
    if command:
        human += f" The server answered the {command.upper()} command."
    text = "\r\n".join([
        f"From: Mail Delivery Agent <postmaster@{reporting_mta}>",
        f"To: <{sender}>",
        "Subject: Delivery report: message not delivered",
        f"Date: {_DATE}",
        "Message-ID: <report-1@bouncekit.test>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="bouncekit-test"',
        "",
        "--bouncekit-test",
        "Content-Type: text/plain; charset=utf-8",
        "",
        human,
        "",
        "--bouncekit-test",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {reporting_mta}",
        "",
        *fields,
        "",
        "--bouncekit-test",
        "Content-Type: text/rfc822-headers",
        "",
        f"From: <{sender}>",
        f"To: <{recipient}>",
        "Subject: Hello",
        "Message-ID: <original-1@bouncekit.test>",
        "",
        "--bouncekit-test--",
        "",
    ])
    return text.encode("utf-8")


def _text_bounce(words: str, status: str | None, remote_mta: str | None, recipient: str, command: str | None,
                 reporting_mta: str, sender: str) -> bytes:
    reply = words
    if status:
        code, _, rest = words.partition(" ")
        reply = f"{code} {status} {rest}".strip() if code.isdigit() else f"{status} {words}".strip()
    said = f"host {remote_mta} said: {reply}" if remote_mta else reply
    if command:
        said += f" (in reply to {command.upper()} command)"
    text = "\r\n".join([
        f"From: Mail Delivery Agent <postmaster@{reporting_mta}>",
        f"To: <{sender}>",
        "Subject: Delivery report: message not delivered",
        f"Date: {_DATE}",
        "Message-ID: <report-1@bouncekit.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Your message could not be delivered to one or more recipients.",
        "",
        f"<{recipient}>:",
        f"    {said}",
        "",
        "--- Headers of the returned message ---",
        "Subject: Hello",
        "",
    ])
    return text.encode("utf-8")


def bounce(*, rules: RuleSet | None = None, **params: Any) -> Report:
    """:func:`make_bounce` with ``params``, parsed with ``rules`` (the built-in table by default).

    Raises AssertionError when the message was not read by the decoder of the requested format
    (the kit's message would then not test what it says it tests).
    """
    wanted = params.get("format", "rfc3464")
    report = parse(make_bounce(**params), rules=rules)
    if report.format != wanted:
        raise AssertionError(f"The built {wanted} bounce was read by the {report.format} decoder instead.\n"
                             + report.explain())
    return report


def classify_evidence(*, rules: RuleSet | None = None, format: str | None = None, status: str | None = None,
                      reply_code: str | None = None, diagnostic: str = "", remote_mta: str | None = None,
                      action: str = "failed", command: str | None = None, hint: Group | str | None = None,
                      recipient: str = "user@example.com") -> Delivery:
    """Classify evidence given directly (no message): the rule table as a decoder named ``format`` would see it."""
    evidence = Evidence(recipient=recipient, action=action, status=status, reply_code=reply_code,
                        diagnostic=diagnostic, remote_mta=remote_mta, command=command,
                        hint=Group(hint) if hint is not None else None)
    return classify(evidence, rules=rules, format=format)


def load_eml(path: str | os.PathLike[str], /, *, rules: RuleSet | None = None) -> Report:
    """The report of one message file."""
    return parse(Path(path).read_bytes(), rules=rules)


def _pick(report: Report, recipient: str | None) -> Delivery:
    if recipient is not None:
        for delivery in report.deliveries:
            if (delivery.recipient or "").lower() == recipient.lower():
                return delivery
        raise AssertionError(f"No delivery for {recipient} in this report.\n" + report.explain())
    if len(report.deliveries) != 1:
        raise AssertionError(f"The report has {len(report.deliveries)} deliveries; name the recipient to check.\n"
                             + report.explain())
    return report.deliveries[0]


def assert_classified(target: Report | Delivery, /, *, group: Group | str | None = None, hard: bool | None = None,
                      rule: str | None = None, recipient: str | None = None) -> Delivery:
    """Assert the group, hard flag and deciding rule of one delivery; returns the delivery.

    ``target`` is a delivery, or a report (with one delivery, or pick one with ``recipient``). Only
    the given expectations are checked. On failure the AssertionError lists every difference, then
    the report's explanation (decoder, evidence, rules tried).
    """
    report = target if isinstance(target, Report) else None
    delivery = _pick(target, recipient) if isinstance(target, Report) else target
    if not isinstance(delivery, Delivery):
        raise TypeError(f"assert_classified() takes a Report or a Delivery, not {type(target).__name__}")
    problems = []
    if group is not None and delivery.group != Group(group):
        problems.append(f"group is {delivery.group.value}, expected {Group(group).value}")
    if hard is not None and delivery.hard is not hard:
        problems.append(f"hard is {delivery.hard}, expected {hard}")
    if rule is not None and delivery.rule != rule:
        problems.append(f"rule is {delivery.rule}, expected {rule}")
    if problems:
        context = report.explain() if report is not None else ""
        raise AssertionError(f"{delivery.recipient}: " + "; ".join(problems) + ".\n" + context)
    return delivery


@dataclass(frozen=True, slots=True)
class Sample:
    """A sample message and the path of its sidecar of expected results."""

    path: Path
    """The ``.eml`` file."""
    expected_path: Path
    """``NAME.expected.json`` next to it (it may not exist yet: :func:`check_sample` says so)."""

    @property
    def name(self) -> str:
        """The file name, for test ids."""
        return self.path.name

    def expected(self) -> dict[str, Any]:
        """The sidecar's content."""
        try:
            return json.loads(self.expected_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AssertionError(f"{self.path} has no sidecar {self.expected_path.name} "
                                 f"(write one, or run pytest with --bouncekit-update).") from None


def load_samples(folder: str | os.PathLike[str], /, *, pattern: str = "*.eml") -> list[Sample]:
    """Every sample file under ``folder`` (recursively, sorted), with its sidecar path.

    Raises FileNotFoundError when the folder does not exist and ValueError when it holds no sample,
    so a mistyped path cannot turn a test run green.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"The sample folder {root} does not exist.")
    samples = [Sample(p, p.with_name(p.name[: -len(p.suffix)] + ".expected.json"))
               for p in sorted(root.rglob(pattern)) if p.is_file()]
    if not samples:
        raise ValueError(f"The sample folder {root} holds no {pattern} file.")
    return samples


_DELIVERY_KEYS = ("recipient", "action", "status", "reply_code", "group", "hard", "rule", "remote_mta")


def expected_of(report: Report, *, keys: Iterable[str] = ("recipient", "action", "status", "reply_code", "group",
                                                            "hard", "rule")) -> dict[str, Any]:
    """The sidecar content that describes ``report`` (what ``--bouncekit-update`` writes)."""
    wanted = tuple(keys)
    return {"format": report.format, "is_bounce": report.is_bounce,
            "deliveries": [{k: v for k, v in d.to_dict().items() if k in wanted} for d in report.deliveries]}


def write_expected(sample: Sample, report: Report) -> None:
    """Write (or rewrite) the sample's sidecar from ``report``."""
    sample.expected_path.write_text(json.dumps(expected_of(report), indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")


def _compare(expected: Mapping[str, Any], report: Report) -> list[str]:
    problems = []
    for key in ("format", "is_bounce"):
        if key in expected and getattr(report, key) != expected[key]:
            problems.append(f"{key} is {getattr(report, key)!r}, expected {expected[key]!r}")
    wanted = expected.get("deliveries")
    if wanted is None:
        return problems
    got = list(report.deliveries)
    if len(wanted) != len(got):
        problems.append(f"{len(got)} deliveries, expected {len(wanted)}")
    for i, exp in enumerate(wanted):
        unknown = set(exp) - set(_DELIVERY_KEYS)
        if unknown:
            problems.append(f"the sidecar's delivery {i + 1} has unknown keys: {', '.join(sorted(unknown))}")
        if "recipient" in exp:
            match = [d for d in got if (d.recipient or "").lower() == str(exp["recipient"]).lower()]
            if not match:
                problems.append(f"no delivery for {exp['recipient']}")
                continue
            delivery = match[0]
        elif i < len(got):
            delivery = got[i]
        else:
            continue
        actual = delivery.to_dict()
        for key in _DELIVERY_KEYS:
            if key in exp and key != "recipient" and actual[key] != exp[key]:
                problems.append(f"{delivery.recipient}: {key} is {actual[key]!r}, expected {exp[key]!r}")
    return problems


def check_sample(sample: Sample, /, *, rules: RuleSet | None = None, update: bool = False) -> Report:
    """Parse the sample and compare it with its sidecar (only the keys the sidecar gives).

    With ``update``, rewrite the sidecar from the result instead. Raises AssertionError listing
    every difference, followed by the report's explanation.
    """
    report = load_eml(sample.path, rules=rules)
    if update:
        write_expected(sample, report)
        return report
    problems = _compare(sample.expected(), report)
    if problems:
        raise AssertionError(f"{sample.path}: " + "; ".join(problems) + ".\n" + report.explain())
    return report

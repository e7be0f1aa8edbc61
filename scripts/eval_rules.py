#!/usr/bin/env python3
"""Measure the built-in rule table against a reference corpus (a developer tool, not a test).

Reads a Sisimai-style ``expected.jsonl`` (default: ``../shared/corpus/sisimai/expected.jsonl``
relative to the repository root), builds an :class:`~bouncekit.model.Evidence` from each record's
status, reply code, diagnostic text, action and reason-derived hint, runs
``RuleSet.builtin().decide()`` on it and prints how often group and hard/soft agree, then the
disagreements grouped by (expected, got).

This is a proxy: the real pipeline extracts codes and diagnostics from the mail itself, and some of
the reference's decisions rest on vendor knowledge outside the text. Use it to find wording the
table misses, not to fit single samples.

    PYTHONPATH=src python scripts/eval_rules.py [EXPECTED_JSONL] [--all] [--no-command]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bouncekit.model import Evidence, Group  # noqa: E402
from bouncekit.rules import RuleSet  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "corpus" / "sisimai" / "expected.jsonl"

# bouncekit group -> reference reason name (the same mapping as shared/tools/score.py)
REASON_OF: dict[Group, str] = {
    Group.UNKNOWN_USER: "userunknown", Group.UNKNOWN_HOST: "hostunknown", Group.HAS_MOVED: "hasmoved",
    Group.NOT_ACCEPT: "notaccept", Group.MAILBOX_FULL: "mailboxfull", Group.MESSAGE_TOO_BIG: "mesgtoobig",
    Group.EXCEED_LIMIT: "exceedlimit", Group.SUSPENDED: "suspend", Group.FILTERED: "filtered",
    Group.REJECTED: "rejected", Group.BLOCKED: "blocked", Group.SPAM_DETECTED: "spamdetected",
    Group.VIRUS_DETECTED: "virusdetected", Group.POLICY_VIOLATION: "policyviolation",
    Group.CONTENT_ERROR: "contenterror", Group.AUTH_FAILURE: "authfailure",
    Group.BAD_REPUTATION: "badreputation", Group.REQUIRE_PTR: "requireptr",
    Group.NOT_COMPLIANT_RFC: "notcompliantrfc", Group.SECURITY_ERROR: "securityerror",
    Group.RATE_LIMITED: "speeding", Group.TOO_MANY_CONNECTIONS: "toomanyconn",
    Group.NO_RELAYING: "norelaying", Group.NETWORK_ERROR: "networkerror", Group.EXPIRED: "expired",
    Group.SYSTEM_ERROR: "systemerror", Group.SYSTEM_FULL: "systemfull", Group.MAILER_ERROR: "mailererror",
    Group.SYNTAX_ERROR: "syntaxerror", Group.ON_HOLD: "onhold", Group.UNDEFINED: "undefined",
    Group.DELIVERED: "delivered", Group.FEEDBACK: "feedback", Group.VACATION: "vacation",
}

_PSEUDO = re.compile(r"^\d\.\d\.9\d\d$")
_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
# The SMTP command a refusal answered, as MTAs state it next to the reply (Postfix: "in reply to X
# command"; Exim: "SMTP error from remote mail server after X"; qmail: "did not like our X").
_COMMANDS = [
    (re.compile(r"(?i)in reply to end of data|after end of data|after (?:final )?data|final data"), "DATA"),
    (re.compile(r"(?i)in reply to rcpt to|after rcpt to|our rcpt to|rcpt_to\]"), "RCPT"),
    (re.compile(r"(?i)in reply to mail from|after mail from|\[mail_from\]|but sender was rejected"), "MAIL"),
    (re.compile(r"(?i)after (?:initial connection|connect)|refused to talk to me"), "CONN"),
    (re.compile(r"(?i)after (?:ehlo|helo)|in reply to (?:ehlo|helo)|but my name was rejected"), "HELO"),
]


def evidence_of(rec: dict[str, Any], *, with_command: bool) -> Evidence:
    """The evidence a decoder would hand over for one reference record."""
    status = rec.get("status") or None
    if status is not None and (_PSEUDO.match(status) or not _STATUS.match(status)):
        status = None
    reason = rec.get("reason")
    hint: Group | None = None
    if reason == "feedback" and rec.get("agent") == "Feedback-Loop":
        hint = Group.FEEDBACK
    elif reason == "vacation":
        hint = Group.VACATION
    command = None
    diagnostic = rec.get("diagnostic") or ""
    if with_command:
        for pattern, name in _COMMANDS:
            if pattern.search(diagnostic):
                command = name
                break
    return Evidence(
        recipient=rec.get("recipient"),
        action=rec.get("action") or "failed",
        status=status,
        reply_code=rec.get("reply_code") or None,
        diagnostic=diagnostic,
        command=command,
        hint=hint,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("expected", nargs="?", default=str(DEFAULT), help="path of expected.jsonl")
    parser.add_argument("--all", action="store_true", help="list every disagreement in full")
    parser.add_argument("--no-command", action="store_true",
                        help="do not infer the SMTP command from the diagnostic wording")
    args = parser.parse_args(argv)

    rules = RuleSet.builtin()
    total = group_ok = hard_ok = 0
    confusion: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    used: collections.Counter[str] = collections.Counter()
    with open(args.expected, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            decision = rules.decide(evidence_of(rec, with_command=not args.no_command))
            used[decision.rule] += 1
            got = REASON_OF[decision.group]
            total += 1
            if got == rec["reason"]:
                group_ok += 1
            else:
                diag = (rec.get("diagnostic") or "").replace("\n", " ")
                confusion[(rec["reason"], got)].append(
                    f"{rec['file'].rsplit('/', 1)[-1]} [{rec.get('status')} {rec.get('reply_code')}] "
                    f"{decision.rule}: {diag[:160 if not args.all else None]}"
                )
            if decision.hard == bool(rec.get("hard")):
                hard_ok += 1

    print("disagreements (expected -> got):")
    for (want, got), items in sorted(confusion.items(), key=lambda kv: -len(kv[1])):
        print(f"  {want} -> {got}: {len(items)}")
        for item in items if args.all else items[:4]:
            print(f"      {item}")
    print(f"rules used: {len(used)} of {len(rules)}; fallback: {used.get('fallback.undefined', 0)}")
    print(f"records {total}  group agreement {group_ok / total:.3f} ({group_ok})  "
          f"hard agreement {hard_ok / total:.3f} ({hard_ok})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

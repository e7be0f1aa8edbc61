"""The phrase bank: real server wording must reach the group a careful reader would give it.

``tests/data/phrases.toml`` holds a few hundred diagnostics as MTAs and providers send them
(Postfix, Exim, sendmail, qmail, Exchange / Microsoft 365, Gmail, Yahoo, list servers, block
lists, non-English servers...), one table per expected group. Each is classified through the
public API (``bouncekit.classify`` on an ``Evidence``) with the built-in table. A case passes only
when a row *recognises* it: ``fallback.unrecognized`` (on_hold for any text) never counts unless
the case names it, so removing or narrowing a row makes its cases fail.

See docs/rules.md, "The phrase bank", for how to add a case.
"""

from __future__ import annotations

import collections
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

import bouncekit
from bouncekit import Evidence, Group
from bouncekit.codes import find_reply_code, find_status
from bouncekit.rules.engine import FALLBACK_ID

BANK = Path(__file__).parent / "data" / "phrases.toml"
KEYS = {"text", "source", "status", "reply_code", "action", "command", "remote_mta", "format", "hint",
        "rule", "note"}


@dataclass(frozen=True)
class Phrase:
    group: Group
    text: str
    source: str
    status: str | None
    reply_code: str | None
    action: str
    command: str | None
    remote_mta: str | None
    format: str | None
    hint: Group | None
    rule: str | None

    def evidence(self) -> Evidence:
        return Evidence(recipient="jdoe@example.com", action=self.action, status=self.status,
                        reply_code=self.reply_code, diagnostic=self.text, remote_mta=self.remote_mta,
                        command=self.command, hint=self.hint)


def _code(case: dict, key: str, find) -> str | None:
    """An explicit code ("" = none), else the one the decoders would read in the text."""
    if key in case:
        return case[key] or None
    return find(case["text"])


def load_bank(path: Path = BANK) -> list[Phrase]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    phrases = []
    for group_name, table in data.items():
        group = Group(group_name)
        assert set(table) == {"cases"}, f"[{group_name}] holds only a 'cases' list"
        for case in table["cases"]:
            unknown = set(case) - KEYS
            assert not unknown, f"{case.get('text')!r}: unknown keys {sorted(unknown)}"
            assert case.get("text", "").strip(), f"[{group_name}] a case without text"
            assert case.get("source", "").strip(), f"{case['text']!r} says nowhere who sends it"
            phrases.append(Phrase(
                group=group, text=case["text"], source=case["source"],
                status=_code(case, "status", find_status), reply_code=_code(case, "reply_code", find_reply_code),
                action=case.get("action", "failed"), command=case.get("command"),
                remote_mta=case.get("remote_mta"), format=case.get("format"),
                hint=Group(case["hint"]) if case.get("hint") else None, rule=case.get("rule")))
    return phrases


PHRASES = load_bank()


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: f"{p.group.value}:{p.text[:50]}")
def test_phrase_reaches_its_group(phrase: Phrase) -> None:
    delivery = bouncekit.classify(phrase.evidence(), format=phrase.format)
    where = f"{phrase.text!r} ({phrase.source}): {delivery.group.value} by {delivery.rule}"
    if phrase.rule is not None:
        assert delivery.rule.startswith(phrase.rule), where
    else:
        assert delivery.rule != FALLBACK_ID, f"no row recognises {where}"
    assert delivery.group is phrase.group, where


def test_bank_is_large_and_covers_the_groups() -> None:
    counts = collections.Counter(p.group for p in PHRASES)
    assert len(PHRASES) >= 300, len(PHRASES)
    failures = set(Group) - {Group.UNDEFINED, Group.DELIVERED, Group.FEEDBACK, Group.VACATION}
    thin = sorted(g.value for g in failures if counts[g] < 5)
    assert not thin, f"groups with fewer than 5 phrases: {thin}"


def test_bank_has_no_duplicates() -> None:
    seen = collections.Counter((p.text, p.status, p.reply_code, p.action, p.command, p.remote_mta, p.format, p.hint)
                               for p in PHRASES)
    assert not [k for k, n in seen.items() if n > 1]


def test_bank_speaks_the_common_languages() -> None:
    """Non-English wording for the common groups (the bank's own promise in docs/rules.md)."""
    scripts = {"cyrillic": "\u0400-\u04ff", "japanese": "\u3040-\u30ff", "chinese": "\u4e00-\u9fff"}
    import re
    for name, span in scripts.items():
        assert any(re.search(f"[{span}]", p.text) for p in PHRASES), name

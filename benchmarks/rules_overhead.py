#!/usr/bin/env python3
"""How much do 1,000 user rules cost? Classify a corpus with the built-in table alone, then with
1,000 generated user rules in front of it, and print the times and their ratio (goal: <= 2x).

The generated rules look like real ones: distinct diagnostic patterns (most with a plain phrase,
some with alternations and gaps that leave no literal to look for), status globs, reply codes and
remote MTA patterns; they hardly ever match. Both runs parse every message (decoders included),
as ``bouncekit classify`` does; the figures are the best of ``--repeat`` runs.

    python benchmarks/rules_overhead.py [CORPUS_DIR] [--rules 1000] [--repeat 3]

CORPUS_DIR defaults to ../shared/corpus/sisimai next to the repository. Exit status 1 when the
ratio is above 2 (so the script can guard a CI step), 2 when the corpus is missing.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import bouncekit  # noqa: E402
from bouncekit import RuleSet  # noqa: E402

WORDS = ("mailbox", "relay", "quota", "tenant", "gateway", "policy", "sender", "domain", "account", "limit",
         "reputation", "listed", "refused", "denied", "blocked", "storage", "inbox", "spool", "filter", "hold",
         "throttled", "deferred", "suspended", "archived", "retention", "compliance", "journal", "routing")
GROUPS = ("mailbox_full", "blocked", "filtered", "rejected", "policy_violation", "spam_detected", "rate_limited",
          "on_hold", "suspended", "system_error", "exceed_limit", "security_error", "network_error")
VENDORS = ("acme", "globex", "initech", "umbrella", "hooli", "vandelay", "wonka", "stark", "wayne", "tyrell")


def _diagnostic(n: int, rng: random.Random) -> str:
    vendor = rng.choice(VENDORS)
    a, b, c = rng.sample(WORDS, 3)
    style = n % 5
    if style == 0:  # no literal to prefilter on: alternation at the top
        return rf"(?i)\b{vendor}-{n}\b.{{0,30}}(?:{a}|{b})|{c} {vendor} {n} failed"
    if style == 1:
        return rf"(?i){vendor}[- ]gw[- ]?{n}:\s*(?:{a}|{b}) {c}"
    if style == 2:
        return rf"(?i){a} {b} (?:has been |was )?{c} by {vendor} \(ref {n}\)"
    if style == 3:
        return rf"{vendor.upper()}-{n:04d} {a.upper()}"
    return rf"(?i)(?:{vendor}|{vendor}mail) (?:{a}|{b}) error {n}\b"


def generate_rules(count: int, rng: random.Random) -> str:
    """A TOML rule file of ``count`` realistic, distinct rules that (almost) never match real bounces."""
    out = []
    for n in range(count):
        lines = ["[[rule]]", f'id = "gen.rule-{n:04d}"']
        kind = n % 10
        if kind in (0, 1):  # status glob + wording
            klass = rng.choice("45")
            lines.append(f'status = "{klass}.{rng.choice("1234567")}.*"')
        if kind == 2:  # reply code + wording
            lines.append(f'reply_code = ["{rng.choice(["550", "554", "451", "421"])}", "5{rng.randint(5, 5)}*"]')
        if kind in (3, 4):  # remote host + wording
            lines.append(f"remote_mta = '(?i)(?:^|\\.)mx{n}\\.{rng.choice(VENDORS)}\\.example$'")
        if kind == 5:  # remote host and reply class only
            lines.append(f"remote_mta = '(?i)^smtp-in-{n}\\.{rng.choice(VENDORS)}\\.example$'")
            lines.append(f'reply_code = "{rng.choice("45")}*"')
        else:
            lines.append(f"diagnostic = '{_diagnostic(n, rng)}'")
        lines.append(f'group = "{rng.choice(GROUPS)}"')
        if n % 7 == 0:
            lines.append(f"hard = {rng.choice(['true', 'false'])}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _run(messages: list[bytes], rules: RuleSet) -> tuple[float, list[tuple]]:
    start = time.perf_counter()
    results = [tuple((d.recipient, d.group, d.hard, d.rule) for d in bouncekit.parse(m, rules=rules).deliveries)
               for m in messages]
    return time.perf_counter() - start, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus" / "sisimai"))
    parser.add_argument("--rules", type=int, default=1000, help="number of generated user rules (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per table; the best counts (default 3)")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"rules_overhead: the corpus {corpus} does not exist.", file=sys.stderr)
        return 2
    messages = [m for path in sorted(p for p in corpus.rglob("*.eml")) for m in bouncekit.iter_messages(path)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.toml"
        path.write_text(generate_rules(args.rules, random.Random(20240501)), encoding="utf-8")
        started = time.perf_counter()
        with_user = bouncekit.load_rules([path], plugins=False)
        load_time = time.perf_counter() - started
    builtin = RuleSet.builtin()
    _run(messages, builtin)  # warm up: lazy imports and caches of the decoders
    base = more = float("inf")
    for _ in range(args.repeat):  # alternate, so that both tables see the same machine load
        took, base_results = _run(messages, builtin)
        base = min(base, took)
        took, more_results = _run(messages, with_user)
        more = min(more, took)
    changed = sum(1 for a, b in zip(base_results, more_results) if a != b)
    recipients = sum(len(r) for r in base_results)
    ratio = more / base
    print(f"corpus:                {corpus} ({len(messages)} messages, {recipients} recipients)")
    print(f"built-in table:        {len(builtin)} rules, {base:.3f} s ({1000 * base / len(messages):.2f} ms/message)")
    print(f"with generated rules:  {len(with_user)} rules, {more:.3f} s ({1000 * more / len(messages):.2f} ms/message)")
    print(f"loading + validating {args.rules} rules: {load_time:.3f} s")
    print(f"messages whose result changed: {changed}")
    print(f"ratio:                 {ratio:.2f}x (goal: <= 2.00x) {'OK' if ratio <= 2 else 'TOO SLOW'}")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Explain a :class:`~bouncekit.model.Report`: why each recipient landed in its group.

For every delivery: the decoder that read the bounce, the evidence it found, the rules the table
tried (summarised: the rules none of whose conditions held are only counted, the ones that partly
held are listed with what held and what did not) and the rule that matched, with the text its
pattern matched marked ``[[like this]]`` (or coloured, for a terminal).
"""

from __future__ import annotations

from .model import NOT_FAILURES, Delivery, Evidence, Report
from .rules import ConditionCheck, Rule, RuleSet, RuleTimeout, source_label

#: How many partly matching rules to list per recipient before summarising the rest.
MAX_PARTIAL = 8

_ON, _OFF = "\x1b[1;32m", "\x1b[0m"


def mark(text: str, span: tuple[int, int] | None, *, color: bool = False) -> str:
    """``text`` with ``span`` highlighted: ``[[...]]``, or bold green ANSI when ``color``."""
    if span is None:
        return text
    start, end = span
    left, right = (_ON, _OFF) if color else ("[[", "]]")
    return f"{text[:start]}{left}{text[start:end]}{right}{text[end:]}"


def _where(rule: Rule) -> str:
    label = source_label(rule)
    return f"{label}, line {rule.line}" if rule.line else label


def _evidence_of(delivery: Delivery) -> Evidence:
    if delivery.evidence is not None:
        return delivery.evidence
    hint = delivery.group if delivery.group in NOT_FAILURES else None
    return Evidence(recipient=delivery.recipient, action=delivery.action, status=delivery.status,
                    reply_code=delivery.reply_code, diagnostic=delivery.diagnostic,
                    remote_mta=delivery.remote_mta, command=delivery.command, hint=hint)


def _pattern(text: str, width: int = 80) -> str:
    """A pattern for display: whitespace collapsed, clipped."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")


def _check_text(check: ConditionCheck) -> str:
    seen = "none" if check.seen is None else repr(check.seen) if check.key in ("diagnostic", "remote_mta") else check.seen
    if check.key in ("diagnostic", "remote_mta"):
        verdict = "matches" if check.held else "does not match"
        if check.key == "diagnostic":
            return f"{check.key} {verdict} {_pattern(check.expected)}"
        return f"{check.key} {seen} {verdict} {_pattern(check.expected)}"
    return f"{check.key} {seen} {'is' if check.held else 'is not'} {check.expected}"


def explain_delivery(delivery: Delivery, rules: RuleSet, format: str | None, *, color: bool = False) -> list[str]:
    """The lines explaining one delivery (without the recipient heading)."""
    ev = _evidence_of(delivery)
    lines = [f"  detector:   {format or '(none)'}"]
    facts = [f"action {ev.action}", f"status {ev.status or 'none'}", f"reply code {ev.reply_code or 'none'}",
             f"command {ev.command or 'none'}"]
    if ev.hint is not None:
        facts.append(f"hint {ev.hint.value}")
    lines.append("  evidence:   " + ", ".join(facts))
    lines.append(f"              remote MTA {ev.remote_mta or 'none'}")
    lines.append(f"              diagnostic {ev.diagnostic!r}" if ev.diagnostic else "              diagnostic none")
    try:
        trace = rules.trace(ev, format)
    except RuleTimeout as exc:
        lines.append(f"  rules:      stopped: {exc}")
        return lines
    tried = trace.tried
    before = tried[:-1] if trace.matched is not None else tried
    partial = [(rule, checks) for rule, checks in before if any(c.held for c in checks)]
    lines.append(f"  rules:      {len(tried)} of {len(rules)} tried; {len(before) - len(partial)} skipped "
                 f"(no condition held), {len(partial)} partly matched")
    for rule, checks in partial[:MAX_PARTIAL]:
        lines.append(f"    - {rule.id} ({_where(rule)}) -> {rule.group.value}: "
                     + "; ".join(_check_text(c) for c in checks))
    if len(partial) > MAX_PARTIAL:
        lines.append(f"    - ... and {len(partial) - MAX_PARTIAL} more partly matching rules")
    decision = trace.decision
    hard = "hard" if decision.hard else "soft"
    if trace.matched is None:
        lines.append(f"  matched:    no rule; fallback -> {decision.group.value}, {hard}")
    else:
        rule = trace.matched
        lines.append(f"  matched:    {rule.id} ({_where(rule)}) -> {decision.group.value}, {hard}")
        for check in tried[-1][1]:
            if check.key in ("diagnostic", "remote_mta") and check.seen is not None:
                lines.append(f"              {check.key} {_pattern(check.expected)}: {mark(check.seen, check.span, color=color)}")
            else:
                lines.append(f"              {_check_text(check)}")
        if rule.note:
            lines.append(f"              note: {rule.note}")
    if delivery.rule is not None and delivery.rule != decision.rule:
        lines.append(f"  (the report says rule {delivery.rule}; this table now decides {decision.rule})")
    return lines


def explain_report(report: Report, *, color: bool = False) -> str:
    """The explanation text of a whole report (see :meth:`Report.explain`)."""
    rules = report.rules if report.rules is not None else RuleSet.builtin()
    out = []
    if not report.is_bounce:
        out.append("Not a bounce: no decoder recognised this message.")
    else:
        count = len(report.deliveries)
        out.append(f"Read by the {report.format} decoder; {count} recipient{'s' if count != 1 else ''}.")
    if report.subject:
        out.append(f"Subject: {report.subject}")
    for problem in report.errors:
        out.append(f"Error: {problem}")
    for number, delivery in enumerate(report.deliveries, 1):
        out.append("")
        out.append(f"Recipient {number}: {delivery.recipient or '(unknown)'}")
        out.extend(explain_delivery(delivery, rules, report.format, color=color))
    return "\n".join(out) + "\n"


__all__ = ["explain_delivery", "explain_report", "mark"]

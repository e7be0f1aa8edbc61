"""One message in, one :class:`~bouncekit.model.Report` out: bound, load, decode, classify.

``parse`` never raises on bad mail: whatever goes wrong becomes a sentence in ``Report.errors``.
Only a caller's programming error (an argument of the wrong type) raises ``TypeError``.

Before anything else the raw bytes are *bounded* by the :class:`~bouncekit.limits.Limits`: cut
at ``max_bytes``, lines cut at ``max_line_length``, the MIME structure cut after ``max_depth``
multipart containers and ``max_parts`` parts. Each cut leaves a note in ``Report.errors``.

The time budget (``Limits.time_budget``, CPU seconds) is enforced two ways:

- cooperatively, everywhere: the clock (``time.thread_time``, this thread's CPU time, so a busy
  machine does not eat the budget) is read between stages: after loading, before each decoder and
  before each recipient is classified;
- pre-emptively, in the main thread of a process only (the CLI, its worker processes, scripts):
  an ``ITIMER_PROF`` timer raises inside whatever runs when the budget is spent, so one slow
  step (a regular expression, the stdlib MIME parser) cannot overrun it. Signals can only be
  handled in the main thread, and the timer is used only when nobody else has installed a
  ``SIGPROF`` handler or timer; in other threads the cooperative checks are what bound the time.

Either way the message becomes a report whose errors say the budget ran out, with the deliveries
classified before that; the batch goes on with the next message.
"""

from __future__ import annotations

import email.message
import email.utils
import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache

from . import addresses
from .formats import REGISTRY
from .formats._common import reporting_mta
from .limits import DEFAULT_LIMITS, Limits
from .mail import Mail, decode_header
from .model import NOT_FAILURES, Delivery, Evidence, Group, Report
from .rules import RuleSet, RuleTimeout

MessageInput = bytes | bytearray | memoryview | str | email.message.Message


def classify(record: Evidence | Delivery, /, *, rules: RuleSet | None = None, format: str | None = None) -> Delivery:
    """Decide the group of one record with a rule table (the built-in one by default).

    Pass an :class:`Evidence` (what a decoder read) or a :class:`Delivery` to re-classify it
    with another table. ``format`` is the decoder name, for rules that match on it.

    A recipient that is not a valid address is not reported as one: ``recipient`` is None and
    the text the decoder took for an address is quoted at the end of the diagnostic.
    """
    ruleset = rules if rules is not None else RuleSet.builtin()
    if isinstance(record, Delivery):
        hint = record.group if record.group in NOT_FAILURES else None
        record = Evidence(recipient=record.recipient, action=record.action, status=record.status,
                          reply_code=record.reply_code, diagnostic=record.diagnostic,
                          remote_mta=record.remote_mta, command=record.command, hint=hint)
    elif not isinstance(record, Evidence):
        raise TypeError(f"classify() takes an Evidence or a Delivery, not {type(record).__name__}")
    decision = ruleset.decide(record, format)
    recipient, diagnostic = _recipient_of(record)
    return Delivery(recipient=recipient, action=record.action, status=record.status,
                    reply_code=record.reply_code, diagnostic=diagnostic, remote_mta=record.remote_mta,
                    group=decision.group, hard=decision.hard, rule=decision.rule, command=record.command,
                    evidence=record)


def _recipient_of(ev: Evidence) -> tuple[str | None, str]:
    """The normalised recipient and the diagnostic; junk taken for an address goes to the diagnostic."""
    diagnostic = ev.diagnostic or ""
    if not ev.recipient:
        return None, diagnostic
    recipient = addresses.normalize(ev.recipient)
    if recipient is None:
        raw = " ".join(str(ev.recipient).split())
        raw = raw if len(raw) <= 200 else raw[:199] + "…"
        diagnostic = f"{diagnostic} (recipient not an address: {raw!r})".lstrip()
    return recipient, diagnostic


def _classify_all(found: list[Evidence], rules: RuleSet, format: str, limits: Limits = DEFAULT_LIMITS,
                  budget: _Budget | None = None, done: list[Delivery] | None = None
                  ) -> tuple[tuple[Delivery, ...], list[str]]:
    """Deliveries for every merged record; a user pattern that runs out of time leaves its recipient
    ``undefined`` (rule None) and becomes an error note instead of stopping the batch.

    At most ``limits.max_recipients`` records are classified, each diagnostic cut at
    ``limits.max_diagnostic_length``. Deliveries are appended to ``done`` as they are made (so
    that a message stopped by its time budget keeps them); ``budget`` is checked before each one.
    """
    deliveries: list[Delivery] = done if done is not None else []
    errors: list[str] = []
    merged = _merge(found)
    most = limits.max_recipients
    if most is not None and len(merged) > most:
        errors.append(f"The message names more than {most} recipients; only the first {most} are reported.")
        merged = merged[:most]
    longest = limits.max_diagnostic_length
    cut = 0
    for ev in merged:
        if budget is not None:
            budget.check()
        if longest is not None and ev.diagnostic and len(ev.diagnostic) > longest:
            ev = replace(ev, diagnostic=ev.diagnostic[:longest])
            cut += 1
        try:
            deliveries.append(classify(ev, rules=rules, format=format))
        except RuleTimeout as exc:
            errors.append(f"The recipient {ev.recipient or '(unknown)'} was left unclassified: {exc}")
            recipient, diagnostic = _recipient_of(ev)
            deliveries.append(Delivery(recipient=recipient, action=ev.action, status=ev.status,
                                       reply_code=ev.reply_code, diagnostic=diagnostic, remote_mta=ev.remote_mta,
                                       group=Group.UNDEFINED, hard=False, rule=None, command=ev.command,
                                       evidence=ev))
    if cut:
        errors.append(f"{cut} diagnostic{'s' if cut > 1 else ''} longer than {longest} characters "
                      f"{'were' if cut > 1 else 'was'} cut to {longest}.")
    return tuple(deliveries), errors


def _load(data: MessageInput, limits: Limits = DEFAULT_LIMITS) -> tuple[Mail, list[str]]:
    """The message loaded, after its raw bytes were bounded; the notes on what was cut."""
    if isinstance(data, email.message.Message):
        return Mail(data, limits), []
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    raw, notes = bound(bytes(data), limits)
    return Mail.from_bytes(raw, limits), notes


# --- bounding the raw bytes ------------------------------------------------------------------------

# A container: a boundary parameter (quoted or not) or a quoted message/rfc822, wherever it is:
# counting a mention in a body too only makes the bound err on the safe side.
_CONTAINER = re.compile(rb'(?i)\bboundary[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))'
                        rb'|\bcontent-type:[ \t]*message/(?:rfc822|global)\b')
# The literals one of which every _CONTAINER match starts with (lower case).
_CONTAINER_STARTS = (b"boundary", b"content-type:")


def _containers(data: bytes) -> Iterator[re.Match[bytes]]:
    """``_CONTAINER.finditer(data)``, found faster.

    A case-insensitive alternation that starts with ``\\b`` makes the regex engine try every
    position of the text; instead, the literals a match must start with are found in a lower-cased
    copy (``bytes.lower`` and ``(?i)`` on bytes both fold ASCII letters only, so the offsets are
    the same) and the pattern is matched, anchored, at each of them, skipping those inside the
    previous match, as ``finditer`` does.
    """
    lowered = data.lower()
    starts = []
    for literal in _CONTAINER_STARTS:
        pos = lowered.find(literal)
        while pos >= 0:
            starts.append(pos)
            pos = lowered.find(literal, pos + 1)
    starts.sort()
    end = 0
    for pos in starts:
        if pos < end:
            continue
        m = _CONTAINER.match(data, pos)
        if m is not None:
            end = m.end()
            yield m


def _delimiter_starts(data: bytes, boundaries: Iterable[bytes]) -> list[int]:
    """Where ``(?m)^--(?:boundary|...)`` matches in ``data`` (sorted), found with ``bytes.find``.

    A boundary holds no line end, so no two matches overlap: the matches are the line starts
    followed by ``--`` and one of the boundaries.
    """
    found = set()
    for boundary in boundaries:
        delimiter = b"--" + boundary
        pos = data.find(delimiter)
        while pos >= 0:
            if pos == 0 or data[pos - 1] == 0x0A:  # a line start
                found.add(pos)
            pos = data.find(delimiter, pos + 1)
    return sorted(found)


@lru_cache(maxsize=16)
def _long_line(limit: int) -> re.Pattern[bytes]:
    # anchored at line starts, so the search is linear (an unanchored {n} repeat would be quadratic)
    return re.compile(rb"(?m)^([^\n]{%d})[^\n]+" % limit)


def _has_long_line(data: bytes, limit: int) -> bool:
    """True when a line of ``data`` is longer than ``limit`` bytes (line end not counted).

    Jumps from one line start to the last one within ``limit + 1`` bytes (the lines in between are
    short enough) and measures the line there, so it looks at the text about ``limit`` bytes at a
    time instead of running :func:`_long_line`'s substitution over all of it.
    """
    start = 0
    size = len(data)
    while size - start > limit:
        last = data.rfind(b"\n", start, start + limit + 1)
        if last < 0:
            return True  # no line end within limit + 1 bytes of a line start
        start = last + 1
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        if end - start > limit:
            return True
        start = end + 1
    return False


def _line_start(data: bytes, pos: int) -> int:
    return data.rfind(b"\n", 0, pos) + 1


def bound(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes, list[str]]:
    """``data`` cut to the :class:`Limits` (bytes, line length, MIME containers and parts), line ends
    made LF; and a sentence per cut, saying what was not read."""
    notes: list[str] = []
    most = limits.max_bytes
    if most is not None and len(data) > most:
        size = len(data)
        end = data.rfind(b"\n", 0, most) + 1
        data = data[: end if end > most - most // 4 else most]  # end on a whole line when one is near
        notes.append(f"The message is {size} bytes long; only the first {most} bytes were read (truncated).")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    most = limits.max_lines
    if most is not None and data.count(b"\n") > most:
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        end = -1
        for _ in range(most):
            end = data.find(b"\n", end + 1)
        data = data[: end + 1]
        notes.append(f"The message has {lines} lines; only the first {most} were read (truncated).")
    longest = limits.max_line_length
    if longest is not None and _has_long_line(data, longest):
        data, count = _long_line(longest).subn(rb"\1", data)
        notes.append(f"{count} line{'s' if count > 1 else ''} longer than {longest} bytes "
                     f"{'were' if count > 1 else 'was'} cut to {longest} bytes.")
    if _within_mime_limits(data, limits):
        return data, notes
    return _cut_mime(data, limits, notes)


def _within_mime_limits(data: bytes, limits: Limits) -> bool:
    """True when :func:`_cut_mime` cannot cut ``data``, found by counting instead of searching.

    Every container match starts at one of the literals ``_CONTAINER_STARTS``, each at its own
    occurrence, and every part delimiter at the start of a line that begins with ``--``: when there
    are no more of those than ``max_depth`` and ``max_parts`` allow, nothing is cut. Counting them
    takes a third of the time that finding the containers and delimiters takes, and in bounces they
    are nearly always few (a dozen "content-type:" at most).
    """
    if limits.max_depth is not None:
        lowered = data.lower()
        if sum(lowered.count(literal) for literal in _CONTAINER_STARTS) > limits.max_depth:
            return False
    return limits.max_parts is None or data.startswith(b"--") + data.count(b"\n--") <= limits.max_parts


def _cut_mime(data: bytes, limits: Limits, notes: list[str]) -> tuple[bytes, list[str]]:
    """``data`` cut after ``limits.max_depth`` MIME containers and ``limits.max_parts`` parts, with a
    note (appended to ``notes``) for each cut."""
    boundaries: list[bytes] = []
    containers = 0
    for m in _containers(data):
        if limits.max_depth is not None and containers >= limits.max_depth:
            data = data[: _line_start(data, m.start())]
            notes.append(f"The message declares more than {limits.max_depth} MIME containers (multipart "
                         f"or message/rfc822); the parts after the {limits.max_depth}th were not read.")
            break
        containers += 1
        if m.group(1) or m.group(2):
            boundaries.append(m.group(1) or m.group(2))
    if limits.max_parts is not None and boundaries:
        starts = _delimiter_starts(data, set(boundaries))
        if len(starts) > limits.max_parts:
            data = data[: starts[limits.max_parts]]
            notes.append(f"The message has more than {limits.max_parts} MIME parts; the rest was not read.")
    return data, notes


# --- the time budget -------------------------------------------------------------------------------

class _OverBudget(BaseException):
    """Raised (by the check or the timer) when a message has used up its time budget.

    A BaseException, so that no decoder's ``except Exception`` can swallow it.
    """


class _Budget:
    """The cooperative half of the time budget: CPU time of this thread, checked between stages.

    Reading the thread's CPU clock is a system call (about 0.6 µs, and it is checked some 35 times a
    message); the monotonic clock is read in user space (0.05 µs). A thread cannot use more CPU time
    than the wall-clock time that passed, so the CPU clock is read only once the monotonic clock is
    past the budget: the check raises exactly when reading the CPU clock every time would.
    """

    __slots__ = ("seconds", "deadline", "wall_deadline")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        if seconds is None:
            self.deadline = self.wall_deadline = None
            return
        self.wall_deadline = time.monotonic() + seconds  # read first: the wall time is never the shorter
        self.deadline = time.thread_time() + seconds

    def check(self) -> None:
        if (self.deadline is not None and time.monotonic() > self.wall_deadline
                and time.thread_time() > self.deadline):
            raise _OverBudget


_deadline: list[float] = [0.0]  # the main thread's deadline (thread CPU time), for the timer handler


def _on_timer(signum: int, frame: object) -> None:
    # ITIMER_PROF counts the CPU time of the whole process: other threads may have spent part of it.
    # Raise only when this (the main) thread is over its own budget; else wait for the rest.
    left = _deadline[0] - time.thread_time()
    if left > 0.001:
        signal.setitimer(signal.ITIMER_PROF, left)
        return
    raise _OverBudget


def _sigprof_state() -> bool | None:
    """None when this thread may not arm the pre-emptive timer (not the main thread, or somebody
    else's SIGPROF handler or timer); else whether our handler is installed already (kept by
    :func:`timer_handler_kept`) rather than the default one.

    One call to ``signal.getsignal`` a message: it converts the handler to a ``Handlers`` member,
    which for a function raises and catches a ValueError inside (2.3 µs, 0.5 % of a message).
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        handler = signal.getsignal(signal.SIGPROF)
        if handler not in (signal.SIG_DFL, None, _on_timer) or signal.getitimer(signal.ITIMER_PROF) != (0.0, 0.0):
            return None
    except (ValueError, OSError):  # pragma: no cover - an interpreter without these signals
        return None
    return handler is _on_timer


class _Timer:
    """Arm the pre-emptive half of the time budget (main thread only; see the module docstring) for
    the time of a ``with`` block, at the deadline of the cooperative half.

    A class rather than a ``contextlib.contextmanager`` generator: entered once a message, where the
    generator machinery costs about as much as the system calls.
    """

    __slots__ = ("budget", "armed", "kept")

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.armed = False
        self.kept = False

    def __enter__(self) -> None:
        deadline = self.budget.deadline
        if deadline is None:
            return
        state = _sigprof_state()
        if state is None:
            return
        self.kept = state  # installed for a whole batch: leave it
        if not state:
            signal.signal(signal.SIGPROF, _on_timer)
        _deadline[0] = deadline
        self.armed = True
        signal.setitimer(signal.ITIMER_PROF, self.budget.seconds)

    def __exit__(self, *exc: object) -> None:
        if not self.armed:
            return
        signal.setitimer(signal.ITIMER_PROF, 0)  # disarm first: nothing can fire after this
        if not self.kept:
            signal.signal(signal.SIGPROF, signal.SIG_DFL)


@contextmanager
def timer_handler_kept() -> Iterator[None]:
    """Keep the time budget's SIGPROF handler installed while many messages are parsed in a row
    (a batch), so that each ``parse`` only arms and disarms its timer: installing and restoring a
    handler are two system calls and a tenth of the budget machinery's cost a message. Between
    messages no timer is armed, so the handler cannot run. Does nothing where ``parse`` would not
    use the timer (not the main thread, or someone else's SIGPROF handler or timer)."""
    if _sigprof_state() is not False:  # not ours to install, or installed already
        yield
        return
    signal.signal(signal.SIGPROF, _on_timer)
    try:
        yield
    finally:
        signal.signal(signal.SIGPROF, signal.SIG_DFL)


class _Progress:
    """What is known of a message so far, so that a message stopped midway still says it."""

    __slots__ = ("notes", "mail", "format", "found", "deliveries", "report")

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.mail: Mail | None = None
        self.format: str | None = None
        self.found = 0
        self.deliveries: list[Delivery] = []
        self.report: Report | None = None


# --- parse -----------------------------------------------------------------------------------------

def _merge(found: list[Evidence]) -> list[Evidence]:
    """One record per recipient: a repeated recipient fills the gaps of its first record."""
    merged: dict[str, Evidence] = {}
    anonymous: list[Evidence] = []
    for ev in found:
        if not ev.recipient:
            anonymous.append(ev)
            continue
        key = ev.recipient.lower()
        first = merged.get(key)
        if first is None:
            merged[key] = ev
            continue
        merged[key] = replace(
            first,
            status=first.status or ev.status,
            reply_code=first.reply_code or ev.reply_code,
            diagnostic=first.diagnostic or ev.diagnostic,
            remote_mta=first.remote_mta or ev.remote_mta,
            command=first.command or ev.command,
        )
    return list(merged.values()) + (anonymous if not merged else [])


def parse(data: MessageInput, /, *, rules: RuleSet | None = None,
          original_headers: Iterable[str] = (), limits: Limits | None = None) -> Report:
    """Read one bounce (raw bytes, text or a parsed Message) into a :class:`Report`.

    ``original_headers`` names further headers of the bounced message to quote in
    ``Report.original_headers`` (correlation headers such as ``X-Campaign-ID``), when the bounce
    includes them. ``limits`` bounds the work spent on the message (:class:`~bouncekit.Limits`;
    safe defaults). Never raises on bad mail: problems are sentences in ``Report.errors``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview, str, email.message.Message)):
        raise TypeError(f"parse() takes bytes, str or email.message.Message, not {type(data).__name__}")
    if limits is None:
        limits = DEFAULT_LIMITS
    elif not isinstance(limits, Limits):
        raise TypeError(f"parse() takes limits=Limits(...), not {type(limits).__name__}")
    if rules is not None and not isinstance(rules, RuleSet):
        raise TypeError(f"parse() takes rules=RuleSet(...), not {type(rules).__name__}")
    if isinstance(original_headers, (str, bytes)):
        raise TypeError("parse() takes original_headers as a list of header names, not one string")
    ruleset = rules if rules is not None else RuleSet.builtin()  # loaded before the clock starts
    progress = _Progress()
    budget = _Budget(limits.time_budget)
    try:
        with _Timer(budget):
            progress.report = _parse(data, ruleset, tuple(original_headers), limits, progress, budget)
    except _OverBudget:
        if progress.report is not None:  # the timer fired just as the work was done
            return progress.report
        return _stopped(progress, ruleset, limits)
    except Exception as exc:  # a bug of ours, or the stdlib's, on this message: a note, not a crash
        return Report(is_bounce=bool(progress.deliveries), format=progress.format,
                      deliveries=tuple(progress.deliveries), rules=ruleset,
                      errors=(*progress.notes, f"The message could not be read: {exc!r}."))
    return progress.report


def _stopped(progress: _Progress, ruleset: RuleSet, limits: Limits) -> Report:
    note = f"Parsing stopped: the message took more than its time budget of {limits.time_budget:g} s"
    if progress.found:
        missing = progress.found - len(progress.deliveries)
        note += f"; {missing} of {progress.found} recipients were not classified" if missing else ""
    subject = None
    try:  # a cached value only: nothing that could take time again
        subject = progress.mail.__dict__.get("subject") if progress.mail is not None else None
    except Exception:  # pragma: no cover - defensive
        subject = None
    return Report(is_bounce=bool(progress.found), format=progress.format, subject=subject or None,
                  deliveries=tuple(progress.deliveries), errors=(*progress.notes, note + "."), rules=ruleset)


def _parse(data: MessageInput, ruleset: RuleSet, original_headers: tuple[str, ...], limits: Limits,
           progress: _Progress, budget: _Budget) -> Report:
    errors = progress.notes
    try:
        mail, notes = _load(data, limits)
    except Exception as exc:  # the stdlib parser is lenient; this is the truly unreadable case
        return Report(is_bounce=False, format=None, errors=(f"The message could not be read: {exc!r}.",))
    errors.extend(notes)
    progress.mail = mail
    errors.extend(_trim_headers(mail, limits))
    for decoder in REGISTRY:
        budget.check()
        try:
            if not decoder.matches(mail):
                continue
            found = decoder.parse(mail)
        except Exception as exc:  # one decoder's bug must not lose the message: try the next one
            errors.append(f"The {decoder.name} decoder failed on this message: {exc!r}.")
            continue
        if found:
            break
    else:
        return Report(is_bounce=False, format=None, subject=mail.subject or None, errors=tuple(errors))

    progress.format = decoder.name
    progress.found = len(found)
    try:
        deliveries, classify_errors = _classify_all(found, ruleset, decoder.name, limits, budget,
                                                    progress.deliveries)
    except _OverBudget:
        raise
    except Exception as exc:
        return Report(is_bounce=True, format=decoder.name, subject=mail.subject or None,
                      errors=(*errors, f"Classification failed: {exc!r}."), rules=ruleset)
    errors.extend(classify_errors)
    return Report(
        is_bounce=True,
        format=decoder.name,
        deliveries=deliveries,
        reporting_mta=reporting_mta(mail),
        original_message_id=_strip_angles(mail.original_header("Message-ID")),
        original_from=mail.original_header("From"),
        original_to=mail.original_header("To"),
        original_subject=mail.original_header("Subject"),
        subject=mail.subject or None,
        date=_date(mail),
        envelope_to=_envelope_to(mail),
        original_return_path=_strip_angles(mail.original_header("Return-Path")),
        original_headers=_quoted_headers(mail, original_headers),
        errors=tuple(errors),
        rules=ruleset,
    )


def _trim_headers(mail: Mail, limits: Limits) -> list[str]:
    """Drop header fields past ``limits.max_headers`` in every part read (and the quoted original)."""
    most = limits.max_headers
    if most is None:
        return []
    trimmed = 0
    for part in mail.parts:
        held = getattr(part, "_headers", None)  # the stdlib Message's list of (name, value) pairs
        if isinstance(held, list) and len(held) > most:
            trimmed += len(held) - most
            del held[most:]
    if not trimmed:
        return []
    return [f"{trimmed} header field{'s' if trimmed > 1 else ''} past the first {most} of a part "
            f"{'were' if trimmed > 1 else 'was'} ignored."]


def _date(mail: Mail) -> datetime | None:
    value = mail.header("Date")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


# Where the address a bounce was delivered to is found, most specific first.
_ENVELOPE_TO = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


# A plain address, bare or in angle brackets, that email.utils.parseaddr gives back unchanged.
# (Used with fullmatch; the lookbehind only keeps a search over hostile text linear.)
_PLAIN_ADDRESS = re.compile(r"(?<![\w+.<-])(<?)([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(>?)")


def _address_of(value: str) -> str:
    """``email.utils.parseaddr(value)[1]``, without the general parser for a plain address."""
    m = _PLAIN_ADDRESS.fullmatch(value)
    if m is not None and bool(m.group(1)) == bool(m.group(3)):
        return m.group(2)
    return email.utils.parseaddr(value)[1]


def _envelope_to(mail: Mail) -> str | None:
    for name in _ENVELOPE_TO:
        value = mail.header(name)
        if value:
            address = _address_of(value)
            if "@" in address:
                return address
    return None


def _quoted_headers(mail: Mail, names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    wanted = {name.lower() for name in names}
    if not wanted or mail.original is None:
        return ()
    return tuple((name, decode_header(value)) for name, value in mail.original.items()
                 if name.lower() in wanted)


def _strip_angles(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip().strip("<>").strip() or None


__all__ = ["MessageInput", "classify", "parse"]

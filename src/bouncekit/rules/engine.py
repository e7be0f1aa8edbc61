"""The classification rule engine: evidence in, :class:`Decision` out.

A :class:`RuleSet` is an ordered table of :class:`Rule` rows; the first row whose conditions all hold
decides the group (and, optionally, the hard/soft flag) of a recipient. Rows are data: the built-in
table lives in ``builtin.toml`` next to this module, and users load their own with
:meth:`RuleSet.from_file` and put them in front of the built-ins with :meth:`RuleSet.with_user_rules`.

The engine knows nothing of mail formats: it sees an :class:`~bouncekit.model.Evidence` (codes,
diagnostic text, remote host, DSN action, SMTP command, a format's group hint) and the name of the
format that produced it. ``docs/classification.md`` describes the order of the built-in table and the
hard/soft policy; ``docs/rules.md`` the rule file format and what "can never match" means.

Patterns of the built-in table run without a time limit; patterns read from any other source run
with one (:data:`USER_PATTERN_TIMEOUT` by default), and a pattern that exceeds it raises
:class:`RuleTimeout` for the recipient at hand, which :func:`bouncekit.parse` turns into an error
note on that message.

Errors::

    ValueError
     └── RuleError        a rule table that cannot be loaded (bad TOML, unknown key, bad regex, ...)
          └── RuleTimeout a user pattern that ran out of time on one recipient's evidence
"""

from __future__ import annotations

import functools
import importlib.resources
import operator
import os
import re
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from ..model import ACTIONS, ALWAYS_HARD, NOT_FAILURES, Evidence, Group

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["ConditionCheck", "Decision", "Rule", "RuleError", "RuleSet", "RuleTimeout", "Trace"]

#: Id of the pseudo rule that decides when no row of the table matches.
FALLBACK_ID = "fallback.undefined"

#: Seconds a user pattern may run on one text before it is stopped (see :class:`RuleTimeout`).
USER_PATTERN_TIMEOUT = 0.5

#: Keys a ``[[rule]]`` table may hold.
RULE_KEYS: frozenset[str] = frozenset(
    {"id", "note", "group", "hard", "status", "reply_code", "diagnostic", "remote_mta", "format",
     "action", "command", "hint"}
)
#: Keys that are conditions (a rule needs at least one).
CONDITION_KEYS: tuple[str, ...] = (
    "status", "reply_code", "diagnostic", "remote_mta", "format", "action", "command", "hint",
)
#: Top-level keys a rule file may hold.
FILE_KEYS: frozenset[str] = frozenset({"rule", "disable"})

_STATUS_GLOB = regex.compile(r"^[0-9*]+(?:\.[0-9*]+){0,2}$")
_STATUS_EXACT = regex.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
_REPLY_GLOB = regex.compile(r"^[0-9*]{1,3}$")
_REPLY_EXACT = regex.compile(r"^[245]\d\d$")
_RULE_HEADER = regex.compile(r"^[ \t]*\[\[[ \t]*rule[ \t]*\]\]", regex.MULTILINE)
_DISABLE_KEY = regex.compile(r"^[ \t]*disable[ \t]*=", regex.MULTILINE)
_COMMAND_WORD = regex.compile(r"^[A-Za-z][A-Za-z-]*$")
_INLINE_FLAGS = regex.compile(r"\(\?[a-zA-Z-]*[a-zA-Z]")
_REGEX_META = frozenset(".^$*+?{}[]\\|()")


class RuleError(ValueError):
    """A rule table (or one rule of it) that cannot be used; the message names file, rule and line.

    ``problems`` lists every problem found (a file is checked whole, not up to its first error);
    the message is those sentences, one a line.
    """

    def __init__(self, message: str, /, *, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)


class RuleTimeout(RuleError):
    """A user pattern ran longer than its time limit on one text (a catastrophic pattern)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rule table decided for one recipient."""

    group: Group
    """The group of the failure (see ``docs/groups.md``)."""
    hard: bool
    """True when retrying will not help."""
    rule: str
    """Id of the deciding rule, or ``fallback.undefined`` when no rule matched."""


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """How one condition of one rule fared against one recipient's evidence (for ``explain``)."""

    key: str
    """The condition's key (``status``, ``diagnostic``...)."""
    expected: str
    """The rule's condition, as written (lists joined with ``|``)."""
    seen: str | None
    """The evidence's value for that key (None when the evidence has none)."""
    held: bool
    """True when the condition holds."""
    span: tuple[int, int] | None = None
    """For the pattern conditions: where the pattern matched in ``seen``."""


@dataclass(frozen=True, slots=True)
class Trace:
    """The rules a table tried on one recipient's evidence, in order, up to the one that matched."""

    tried: tuple[tuple[Rule, tuple[ConditionCheck, ...]], ...]
    """Every rule tried, with the checks of its conditions; the last one is ``matched`` if any."""
    matched: Rule | None
    """The deciding rule; None when no rule matched (the group is ``undefined``)."""
    decision: Decision
    """The decision, as :meth:`RuleSet.decide` gives it."""


def _where(source_file: str, line: int) -> str:
    return f"{source_file}, line {line}" if line else source_file


def _as_tuple(value: str | Sequence[str] | None, what: str, rule_id: str, where: str) -> tuple[str, ...]:
    """A condition value as a tuple of strings (a bare string is a one-item list)."""
    if value is None or (isinstance(value, tuple) and not value):  # the field default: no condition
        return ()
    if isinstance(value, str):
        items: tuple[Any, ...] = (value,)
    elif isinstance(value, (list, tuple)):
        items = tuple(value)
    else:
        raise RuleError(f"Rule {rule_id!r} ({where}) has a {what!r} that is neither a string nor a list of strings.")
    if not items:
        raise RuleError(f"Rule {rule_id!r} ({where}) has an empty {what!r} list, so it can never match.")
    for item in items:
        if not isinstance(item, str) or not item:
            raise RuleError(f"Rule {rule_id!r} ({where}) has a {what!r} item that is not a non-empty string: {item!r}.")
    return items


def _code_matcher(patterns: tuple[str, ...]) -> tuple[frozenset[str], Any]:
    """Split code patterns into a set of exact codes and one compiled regex for the globs (or None)."""
    exact = frozenset(p for p in patterns if "*" not in p)
    globs = [regex.escape(p).replace(r"\*", ".*") for p in patterns if "*" in p]
    compiled = regex.compile("^(?:" + "|".join(globs) + ")$") if globs else None
    return exact, compiled


def _compile(pattern: str, what: str, rule_id: str, where: str) -> Any:
    try:
        return regex.compile(pattern)
    except (regex.error, TypeError) as exc:
        raise RuleError(f"Rule {rule_id!r} ({where}) has a {what!r} pattern that does not compile: {exc}.") from None


def required_literal(compiled: Any) -> tuple[str, bool] | None:
    """A piece of plain ASCII text that every match of ``compiled`` contains, and whether to casefold.

    Conservative: only text outside any group, in a pattern without a top-level ``|``, counts; a
    character followed by ``?``, ``*`` or ``{`` does not. Returns None when no run of 3+ characters
    is certain (or the pattern is verbose). Used as a cheap substring test before the regex runs.
    """
    pattern: str = compiled.pattern
    if compiled.flags & (regex.VERBOSE | regex.VERSION1) or _INLINE_FLAGS.search(pattern, 1):
        return None  # verbose whitespace, or flags that may change case rules halfway: no shortcut
    fold = bool(compiled.flags & regex.IGNORECASE)
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    i, n = 0, len(pattern)

    def close() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if depth == 0 and not nxt.isalnum() and nxt.isascii():
                run.append(nxt)
            else:
                close()
            i += 2
            continue
        if ch == "[":  # a character class: skip to its end
            close()
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            continue
        if ch == "(":
            close()
            depth += 1
        elif ch == ")":
            close()
            depth -= 1
        elif ch == "|":
            if depth == 0:
                return None
        elif ch in "?*{":
            if run:
                run.pop()
            close()
            if ch == "{":  # a {m,n} quantifier: its digits are not text
                end = pattern.find("}", i)
                i = end if end > 0 else i
        elif ch == "+":
            close()
        elif ch in _REGEX_META:
            close()
        elif depth == 0 and ch.isascii() and ch.isprintable():
            run.append(ch)
        else:
            close()
        i += 1
    close()
    best = max(runs, key=len, default="")
    if len(best) < 3:
        return None
    return (best.casefold() if fold else best), fold


try:  # the stdlib's regular expression parser (3.11+: re._parser; 3.10: sre_parse)
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_QUANTIFIER_BRACE = regex.compile(r"\{\d*,?\d*\}")


def required_pieces(compiled: Any) -> tuple[str, ...] | None:
    """Lower-case ASCII pieces of text one of which every match of ``compiled`` contains, or None.

    A sound prefilter for a pattern searched in an ASCII text: when no piece is a substring of the
    lower-cased text, the pattern cannot match it, whatever its flags (lower-casing both sides only
    widens what counts as present). Read from the pattern's syntax tree (the stdlib parser): a
    sequence needs each of its mandatory items, an alternation one piece of each branch, a repeat
    with a minimum of at least one what its body needs; classes, ``.``, optional items, anchors and
    lookarounds need nothing. None (always search) when the tree cannot be read safely: a pattern
    the stdlib cannot parse (``regex``-only syntax), version 1 or full case folding, a brace that is
    not a plain quantifier, or a branch that needs no literal text. An empty tuple: the pattern
    cannot match an ASCII text at all (every branch needs a non-ASCII letter).
    """
    if compiled.flags & (regex.VERSION1 | regex.FULLCASE):
        return None
    pattern: str = compiled.pattern
    at = pattern.find("{")
    while at >= 0:
        if not _QUANTIFIER_BRACE.match(pattern, at):
            return None
        at = pattern.find("{", at + 1)
    try:
        tree = _syntax_tree(pattern, regex.VERBOSE if compiled.flags & regex.VERBOSE else 0)
    except Exception:  # regex-only syntax: no shortcut
        return None
    pieces = _needed(list(tree))
    if pieces is None:
        return None
    return tuple(sorted(pieces, key=lambda p: (-len(p), p)))


@functools.lru_cache(maxsize=4096)
def _syntax_tree(pattern: str, flags: int) -> tuple[Any, ...]:
    """The top-level items of the stdlib parser's tree of ``pattern`` (what it raises, if it cannot
    parse it), once per pattern: :func:`required_pieces` and :func:`split_branches` both read it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(_sre_parse.parse(pattern, flags))


_BACKREFERENCE = regex.compile(r"\\[1-9]|\\g<|\(\?P=|\(\?\(")


def split_branches(compiled: Any) -> tuple[tuple[Any, tuple[str, ...] | None], ...] | None:
    """The top-level alternatives of ``compiled``, each searchable alone, with its prefilter pieces.

    ``compiled`` matches somewhere in a text exactly when one of its top-level alternatives does,
    so a yes/no search may try only the alternatives whose pieces the text holds (or that have
    none). None when the pattern is not a top-level alternation that can be cut safely: it must
    parse (stdlib parser), use no back-references (group numbers change when cut), and each piece
    cut out of its text must parse to the very alternative the whole pattern has there.
    """
    pattern: str = compiled.pattern
    if _pieces_of(compiled) is None or _BACKREFERENCE.search(pattern):
        return None
    verbose = bool(compiled.flags & regex.VERBOSE)
    texts = _top_level_alternatives(pattern, verbose)
    if texts is None or len(texts) < 2:
        return None
    flags = regex.VERBOSE if verbose else 0
    try:
        items = _syntax_tree(pattern, flags)  # parsed already for required_pieces
        if len(items) != 1 or items[0][0] is not _sre_parse.BRANCH or len(items[0][1][1]) != len(texts):
            return None
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for text, branch in zip(texts, items[0][1][1]):
                if repr(list(_sre_parse.parse(text, flags))) != repr(list(branch)):
                    return None
                pieces = _needed(list(branch))
                out.append((_Alternative(text, compiled.flags),
                            None if pieces is None else tuple(sorted(pieces, key=lambda p: (-len(p), p)))))
    except Exception:
        return None
    return tuple(out)


class _PieceScanner:
    """Which of a set of pieces (lower-case ASCII text, as :func:`required_pieces` gives) a text
    holds, found in one pass over the text instead of one substring search per piece.

    The pieces make a trie, written as one regular expression and tried at every position of the
    text inside a lookahead (so that the matches may overlap); at each position it gives the longest
    piece that starts there, and every piece the text holds is a prefix of one of those: so the
    pieces held are the pieces found and the pieces inside them (worked out once per piece found).
    A rule table has about 530 pieces and tests about 190 of them per recipient; the pass over a
    diagnostic takes about the time of 60 substring searches. (The stdlib ``re`` engine: ``regex``
    takes four times as long over such an expression.)
    """

    __slots__ = ("pieces", "_pattern", "_inside")

    def __init__(self, pieces: Iterable[str]) -> None:
        self.pieces: frozenset[str] = frozenset(pieces)
        if not self.pieces or any(not p or not p.isascii() or p != p.lower() for p in self.pieces):
            raise ValueError("a _PieceScanner takes non-empty lower-case ASCII pieces")
        self._pattern = re.compile("(?=(" + _trie_pattern(sorted(self.pieces)) + "))")
        self._inside: dict[str, frozenset[str]] = {}

    def present(self, text: str) -> set[str]:
        """The pieces that ``text`` (lower-case ASCII) holds."""
        out: set[str] = set()
        for found in set(self._pattern.findall(text)):
            out |= self._pieces_inside(found)
        return out

    def _pieces_inside(self, piece: str) -> frozenset[str]:
        """The pieces that ``piece`` holds: those it begins with, and those the rest of it holds
        (found as in a text: the rest is shorter)."""
        inside = self._inside.get(piece)
        if inside is None:
            held = self.pieces.intersection([piece[:end] for end in range(1, len(piece) + 1)])
            for found in set(self._pattern.findall(piece, 1)):
                held |= self._pieces_inside(found)
            inside = self._inside[piece] = frozenset(held)
        return inside


def _trie_pattern(words: Sequence[str]) -> str:
    """A regular expression matching, at a position, the longest of ``words`` (sorted) that starts there.

    Each node of the trie tries its children before it ends (an ending node makes them optional),
    and a node's children differ in their first character, so the first way the expression finds
    is the longest word.
    """
    def node(start: int, stop: int, depth: int) -> str:
        ends = len(words[start]) == depth  # sorted: a word that ends here comes first
        branches = []
        i = start + 1 if ends else start
        while i < stop:
            ch = words[i][depth]
            j = i
            while j < stop and words[j][depth] == ch:
                j += 1
            branches.append(re.escape(ch) + node(i, j, depth + 1))
            i = j
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return node(0, len(words), 0)


@functools.lru_cache(maxsize=64)
def _scanner_for(pieces: frozenset[str]) -> _PieceScanner | None:
    """One scanner per set of pieces (tables rebuilt by layering share the built-in rules' pieces)."""
    return _PieceScanner(pieces) if pieces else None


class _LazyBranches:
    """:func:`split_branches` of a pattern, worked out the first time a text gets that far."""

    __slots__ = ("compiled", "_done", "_branches")

    def __init__(self, compiled: Any) -> None:
        self.compiled = compiled
        self._done = False
        self._branches: Any = None

    def get(self) -> tuple[tuple[Any, tuple[str, ...] | None], ...] | None:
        if not self._done:
            self._branches = _branches_of(self.compiled)
            self._done = True
        return self._branches


class _Alternative:
    """One top-level alternative of a pattern, compiled the first time it is searched."""

    __slots__ = ("text", "flags", "_compiled")

    def __init__(self, text: str, flags: int) -> None:
        self.text = text
        self.flags = flags
        self._compiled: Any = None

    def search(self, string: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = regex.compile(self.text, self.flags)
        return compiled.search(string)


def _top_level_alternatives(pattern: str, verbose: bool) -> list[str] | None:
    """``pattern`` cut at its top-level ``|`` (escapes, classes, groups and verbose comments skipped)."""
    out: list[str] = []
    depth = 0
    start = i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                if pattern[i] == "[":
                    return None  # a nested set (version 1 syntax): not cut
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            continue
        if verbose and ch == "#":
            while i < n and pattern[i] != "\n":
                i += 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    if depth != 0:
        return None
    out.append(pattern[start:])
    return out


def _ascii_reachable(ch: str) -> bool:
    """True when a non-ASCII pattern character might match an ASCII one ignoring case (K, ſ, İ...)."""
    return any(c.isascii() for c in ch.lower() + ch.upper() + ch.casefold() + ch.title())


def _needed(items: list[Any]) -> frozenset[str] | None:
    """The best set of pieces one of which every match of the sequence ``items`` contains.

    The empty set: the sequence cannot match an ASCII text at all (it needs a non-ASCII letter).
    None: nothing is known.
    """
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    P = _sre_parse
    for op, value in items:
        if op is P.LITERAL:
            if value < 128:
                run.append(chr(value).lower())
                continue
            if not _ascii_reachable(chr(value)):
                return frozenset()  # no ASCII text holds this character
            close()
            continue
        close()
        inner: frozenset[str] | None = None
        if op is P.SUBPATTERN:
            inner = _needed(list(value[-1]))
        elif op is getattr(P, "ATOMIC_GROUP", None):
            inner = _needed(list(value))
        elif op is P.BRANCH:
            union: set[str] | None = set()
            for branch in value[1]:
                got = _needed(list(branch))
                if got is None:
                    union = None  # a branch that needs nothing known: the alternation neither
                    break
                union |= got
            inner = frozenset(union) if union is not None else None
        elif op in (P.MAX_REPEAT, P.MIN_REPEAT, getattr(P, "POSSESSIVE_REPEAT", None)) and value[0] >= 1:
            inner = _needed(list(value[2]))
        if inner is not None:
            if not inner:
                return inner
            candidates.append(inner)
    close()
    if not candidates:
        return None
    # the most selective candidate: its shortest piece longest, then the fewest pieces
    return max(candidates, key=_selectivity)


def _selectivity(pieces: frozenset[str]) -> tuple[int, int]:
    return min(len(p) for p in pieces), -len(pieces)


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of a rule table: conditions (all must hold) and an outcome.

    Code conditions take an exact code (``"5.1.1"``, ``"550"``), a glob with ``*`` (``"5.7.*"``,
    ``"*.1.1"``, ``"55*"``) or a list of those. ``diagnostic`` and ``remote_mta`` are ``regex``
    patterns searched in the text (write ``(?i)`` for case-insensitive matching). ``format``,
    ``action``, ``command`` and ``hint`` take one value or a list; ``command`` is compared
    case-insensitively. A rule needs at least one condition, and a rule that can never match (see
    ``docs/rules.md``) is an error.
    """

    id: str
    """Stable, dotted identifier (``status.5.1.1``, ``text.user-unknown``), unique in a table."""
    group: Group
    """The group this rule assigns."""
    hard: bool | None = None
    """Hard/soft flag to assign; None applies the default policy (see :meth:`RuleSet.decide`)."""
    status: tuple[str, ...] = ()
    """Enhanced status codes or globs; the evidence's status must match one."""
    reply_code: tuple[str, ...] = ()
    """SMTP reply codes or globs; the evidence's reply code must match one."""
    diagnostic: str | None = None
    """Pattern searched in the diagnostic text."""
    remote_mta: str | None = None
    """Pattern searched in the remote MTA's host name."""
    format: tuple[str, ...] = ()
    """Names of the format decoders this rule applies to."""
    action: tuple[str, ...] = ()
    """DSN actions this rule applies to."""
    command: tuple[str, ...] = ()
    """SMTP commands (upper case) this rule applies to."""
    hint: tuple[Group, ...] = ()
    """Format hints (groups) this rule applies to."""
    note: str = ""
    """Where the wording or code meaning comes from."""
    source_file: str = "<string>"
    """File (or pseudo file name, e.g. ``plugin acme (acme/rules.toml)``) the rule was read from."""
    line: int = 0
    """Line of the rule's ``[[rule]]`` header in ``source_file`` (0 when unknown)."""
    timeout: float | None = field(default=USER_PATTERN_TIMEOUT, compare=False)
    """Seconds each pattern may run on one text; None for no limit (the built-in table)."""

    _status_exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _status_glob: Any = field(init=False, repr=False, compare=False)
    _reply_exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _reply_glob: Any = field(init=False, repr=False, compare=False)
    _diagnostic_re: Any = field(init=False, repr=False, compare=False)
    _remote_re: Any = field(init=False, repr=False, compare=False)
    _literal: str | None = field(init=False, repr=False, compare=False)
    _literal_fold: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        where = _where(self.source_file, self.line)
        if not isinstance(self.id, str) or not self.id.strip():
            raise RuleError(f"A rule in {where} has no id (every rule needs a non-empty string 'id').")
        rid = self.id
        try:
            setattr_(self, "group", Group(self.group))
        except ValueError:
            raise RuleError(f"Rule {rid!r} ({where}) names an unknown group {self.group!r}.") from None
        if self.hard is not None and not isinstance(self.hard, bool):
            raise RuleError(f"Rule {rid!r} ({where}) has a 'hard' that is not true or false.")
        if not isinstance(self.note, str):
            raise RuleError(f"Rule {rid!r} ({where}) has a 'note' that is not a string.")
        if self.timeout is not None and (isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float))
                                         or self.timeout <= 0):
            raise RuleError(f"Rule {rid!r} ({where}) has a timeout that is not a positive number of seconds.")

        status = _as_tuple(self.status, "status", rid, where)
        for item in status:
            if not _STATUS_GLOB.match(item):
                raise RuleError(f"Rule {rid!r} ({where}) has a malformed status {item!r} (expected e.g. '5.1.1' or '5.7.*').")
            if "*" not in item and not _STATUS_EXACT.match(item):
                raise RuleError(f"Rule {rid!r} ({where}) has a status {item!r} that is no complete enhanced code "
                                f"(class 2, 4 or 5, then two numbers of 1-3 digits), so it can never match.")
            if item[0] not in "245*":
                raise RuleError(f"Rule {rid!r} ({where}) has a status {item!r} whose class is not 2, 4 or 5, "
                                f"so it can never match.")
        reply = _as_tuple(self.reply_code, "reply_code", rid, where)
        for item in reply:
            if not _REPLY_GLOB.match(item):
                raise RuleError(f"Rule {rid!r} ({where}) has a malformed reply_code {item!r} (expected e.g. '550' or '5*').")
            if ("*" not in item and not _REPLY_EXACT.match(item)) or item[0] not in "245*":
                raise RuleError(f"Rule {rid!r} ({where}) has a reply_code {item!r} that is no reply code of class "
                                f"2, 4 or 5, so it can never match.")
        s_classes = {s[0] for s in status}
        r_classes = {r[0] for r in reply}
        if status and reply and "*" not in s_classes | r_classes and not s_classes & r_classes:
            raise RuleError(
                f"Rule {rid!r} ({where}) has a status of class {'/'.join(sorted(s_classes))} and a reply_code of "
                f"class {'/'.join(sorted(r_classes))}; a reply code and its enhanced code share their class "
                f"(RFC 3463 section 2), so it can never match."
            )
        formats = _as_tuple(self.format, "format", rid, where)
        actions = tuple(a.lower() for a in _as_tuple(self.action, "action", rid, where))
        for item in actions:
            if item not in ACTIONS:
                raise RuleError(f"Rule {rid!r} ({where}) has an unknown action {item!r} (expected one of {', '.join(sorted(ACTIONS))}).")
        commands = tuple(c.upper() for c in _as_tuple(self.command, "command", rid, where))
        for item in commands:
            if not _COMMAND_WORD.match(item):
                raise RuleError(f"Rule {rid!r} ({where}) has a malformed command {item!r}.")
        hints: list[Group] = []
        for item in _as_tuple(self.hint, "hint", rid, where):  # type: ignore[arg-type]
            try:
                hints.append(Group(item))
            except ValueError:
                raise RuleError(f"Rule {rid!r} ({where}) has a hint naming an unknown group {item!r}.") from None
        for name in ("diagnostic", "remote_mta"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise RuleError(f"Rule {rid!r} ({where}) has a {name!r} that is not a non-empty string.")

        setattr_(self, "status", status)
        setattr_(self, "reply_code", reply)
        setattr_(self, "format", formats)
        setattr_(self, "action", actions)
        setattr_(self, "command", commands)
        setattr_(self, "hint", tuple(hints))
        if not any((status, reply, formats, actions, commands, hints, self.diagnostic, self.remote_mta)):
            raise RuleError(f"Rule {rid!r} ({where}) has no condition (give at least one of {', '.join(CONDITION_KEYS)}).")

        s_exact, s_glob = _code_matcher(status)
        r_exact, r_glob = _code_matcher(reply)
        setattr_(self, "_status_exact", s_exact)
        setattr_(self, "_status_glob", s_glob)
        setattr_(self, "_reply_exact", r_exact)
        setattr_(self, "_reply_glob", r_glob)
        diag_re = _compile(self.diagnostic, "diagnostic", rid, where) if self.diagnostic else None
        setattr_(self, "_diagnostic_re", diag_re)
        setattr_(self, "_remote_re",
                 _compile(self.remote_mta, "remote_mta", rid, where) if self.remote_mta else None)
        literal = required_literal(diag_re) if diag_re is not None else None
        setattr_(self, "_literal", literal[0] if literal else None)
        setattr_(self, "_literal_fold", literal[1] if literal else False)

    # --- matching ---------------------------------------------------------------------------------

    def matches(self, evidence: Evidence, format: str | None = None) -> bool:
        """True when every condition of this rule holds for ``evidence`` read by ``format``.

        Cheap comparisons run first; the regular expressions only when everything else holds.
        Raises :class:`RuleTimeout` when a pattern with a time limit exceeds it.
        """
        diagnostic = evidence.diagnostic or ""
        return self._matches(evidence, format, diagnostic, None)

    def _matches(self, evidence: Evidence, format: str | None, diagnostic: str, folded: str | None) -> bool:
        """:meth:`matches`, with the casefolded diagnostic shared by all rules of a table (or None)."""
        return self._holds_but_text(evidence, format) and self._text_holds(evidence, diagnostic, folded)

    def _holds_but_text(self, evidence: Evidence, format: str | None) -> bool:
        """The conditions other than the patterns: action, hint, format, command and the codes."""
        if self.action and (evidence.action or "failed").lower() not in self.action:
            return False
        if self.hint and evidence.hint not in self.hint:
            return False
        if self.format and format not in self.format:
            return False
        if self.command and (evidence.command is None or evidence.command.upper() not in self.command):
            return False
        if self.status:
            code = evidence.status
            if code is None or not (code in self._status_exact
                                    or (self._status_glob is not None and self._status_glob.match(code))):
                return False
        if self.reply_code:
            code = evidence.reply_code
            if code is None or not (code in self._reply_exact
                                    or (self._reply_glob is not None and self._reply_glob.match(code))):
                return False
        return True

    def _text_holds(self, evidence: Evidence, diagnostic: str, folded: str | None) -> bool:
        """The pattern conditions: the required literal, then ``remote_mta`` and ``diagnostic``."""
        literal = self._literal
        if literal is not None:
            if self._literal_fold:
                if folded is None:
                    folded = diagnostic.casefold()
                if literal not in folded:
                    return False
            elif literal not in diagnostic:
                return False
        if self._remote_re is not None:
            if not evidence.remote_mta or self._search(self._remote_re, evidence.remote_mta, "remote_mta") is None:
                return False
        if self._diagnostic_re is not None:
            if self._search(self._diagnostic_re, diagnostic, "diagnostic") is None:
                return False
        return True

    def _search(self, pattern: Any, text: str, what: str) -> Any:
        if self.timeout is None:
            return pattern.search(text)
        try:
            return pattern.search(text, timeout=self.timeout)
        except TimeoutError:
            raise RuleTimeout(
                f"Rule {self.id!r} ({_where(self.source_file, self.line)}) ran out of time "
                f"({self.timeout:g} s) on a {what} text of {len(text)} characters; its pattern is too costly."
            ) from None

    def check(self, evidence: Evidence, format: str | None = None) -> tuple[ConditionCheck, ...]:
        """Every condition of this rule checked against ``evidence`` (for explaining a decision)."""
        out: list[ConditionCheck] = []
        if self.action:
            seen = (evidence.action or "failed").lower()
            out.append(ConditionCheck("action", "|".join(self.action), seen, seen in self.action))
        if self.hint:
            hint = evidence.hint.value if evidence.hint is not None else None
            out.append(ConditionCheck("hint", "|".join(h.value for h in self.hint), hint, evidence.hint in self.hint))
        if self.format:
            out.append(ConditionCheck("format", "|".join(self.format), format, format in self.format))
        if self.command:
            cmd = evidence.command.upper() if evidence.command else None
            out.append(ConditionCheck("command", "|".join(self.command), cmd, cmd in self.command))
        if self.status:
            code = evidence.status
            held = code is not None and (code in self._status_exact
                                         or (self._status_glob is not None and bool(self._status_glob.match(code))))
            out.append(ConditionCheck("status", "|".join(self.status), code, held))
        if self.reply_code:
            code = evidence.reply_code
            held = code is not None and (code in self._reply_exact
                                         or (self._reply_glob is not None and bool(self._reply_glob.match(code))))
            out.append(ConditionCheck("reply_code", "|".join(self.reply_code), code, held))
        for key, pattern, text in (("remote_mta", self._remote_re, evidence.remote_mta),
                                   ("diagnostic", self._diagnostic_re, evidence.diagnostic or "")):
            if pattern is None:
                continue
            found = self._search(pattern, text, key) if text else None
            out.append(ConditionCheck(key, pattern.pattern, text, found is not None,
                                      found.span() if found is not None else None))
        return tuple(out)

    def conditions(self) -> dict[str, Any]:
        """The conditions this rule gives, as written (lists for the multi-valued keys)."""
        out: dict[str, Any] = {}
        for key in CONDITION_KEYS:
            value = getattr(self, key)
            if value:
                out[key] = [str(v) for v in value] if isinstance(value, tuple) else value
        return out

    def to_dict(self) -> dict[str, Any]:
        """A new plain dict of the rule as it would be written in TOML (only the keys given)."""
        out: dict[str, Any] = {"id": self.id, **self.conditions(), "group": self.group.value}
        if self.hard is not None:
            out["hard"] = self.hard
        if self.note:
            out["note"] = self.note
        return out


def _covers(first: Rule, later: Rule) -> bool:
    """True when every evidence that ``later`` matches is also matched by ``first`` (so ``later`` is dead).

    Sound but not complete: patterns count only when written identically, code globs by glob matching.
    """
    if first.diagnostic is not None and first.diagnostic != later.diagnostic:
        return False
    if first.remote_mta is not None and first.remote_mta != later.remote_mta:
        return False
    for key in ("format", "action", "command", "hint"):
        mine = getattr(first, key)
        if mine and (not getattr(later, key) or not set(getattr(later, key)) <= set(mine)):
            return False
    for key, exact, glob in (("status", first._status_exact, first._status_glob),
                             ("reply_code", first._reply_exact, first._reply_glob)):
        if not getattr(first, key):
            continue
        theirs = getattr(later, key)
        if not theirs:
            return False
        for item in theirs:
            # a '*' of the later rule can only be matched by a '*' of the first rule's glob
            if item not in exact and not (glob is not None and glob.match(item)):
                return False
    return True


def _shadowed(rules: Sequence[Rule]) -> list[str]:
    """Problems for rules that an earlier rule of the same table always beats."""
    problems = []
    by_patterns: dict[tuple[str | None, str | None], list[Rule]] = {}
    for rule in rules:
        keys = {(None, None), (rule.diagnostic, None), (None, rule.remote_mta), (rule.diagnostic, rule.remote_mta)}
        for key in keys:
            for first in by_patterns.get(key, ()):
                if _covers(first, rule):
                    problems.append(
                        f"Rule {rule.id!r} ({_where(rule.source_file, rule.line)}) can never match: the earlier rule "
                        f"{first.id!r} ({_where(first.source_file, first.line)}) matches everything it would."
                    )
                    break
            else:
                continue
            break
        by_patterns.setdefault((rule.diagnostic, rule.remote_mta), []).append(rule)
    return problems


def default_hard(group: Group, evidence: Evidence) -> bool:
    """The hard/soft policy used when a rule does not say.

    Hard: unknown user, unknown host, has moved; and not-accept when the code is permanent (the
    status, else the reply code, starts with 5) or there is no code at all. Everything else is soft.
    """
    if group in ALWAYS_HARD:
        return True
    if group is Group.NOT_ACCEPT:
        code = evidence.status or evidence.reply_code
        return code is None or code.startswith("5")
    return False


def _hard(rule_hard: bool | None, group: Group, evidence: Evidence) -> bool:
    if group in NOT_FAILURES or (evidence.action or "").lower() == "delayed":
        return False
    if rule_hard is not None:
        return rule_hard
    return default_hard(group, evidence)


def _header_lines(text: str) -> list[int]:
    """Line numbers (1-based) of the ``[[rule]]`` headers of a TOML text, in order."""
    return [text.count("\n", 0, m.start()) + 1 for m in _RULE_HEADER.finditer(text)]


def _line_of(pattern: Any, text: str) -> int:
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 0


class RuleSet:
    """An ordered rule table; the first matching rule decides.

    Build one from TOML (:meth:`from_toml`, :meth:`from_file`), take the packaged table
    (:meth:`builtin`), concatenate two (``first + second``: the rules of ``first`` are tried first),
    or layer user rules over a base table (:meth:`with_user_rules`). A table read from a file may
    also carry the ids it disables (``disable = [...]``, see :attr:`disabled`), applied when it is
    layered over another. Rule sets are immutable and safe to share between threads.
    """

    __slots__ = ("_rules", "_ids", "_disabled", "_plan", "_by_facts", "_scanner")

    def __init__(self, rules: Iterable[Rule] = (), *, disable: Iterable[str] | dict[str, str] = ()) -> None:
        self._rules: tuple[Rule, ...] = tuple(rules)
        ids: dict[str, Rule] = {}
        problems = []
        for rule in self._rules:
            if not isinstance(rule, Rule):
                raise TypeError(f"A RuleSet holds Rule objects, not {type(rule).__name__}.")
            first = ids.get(rule.id)
            if first is not None:
                problems.append(
                    f"Rule {rule.id!r} ({_where(rule.source_file, rule.line)}) has the same id as the rule in "
                    f"{_where(first.source_file, first.line)}; rule ids must be unique."
                )
                continue
            ids[rule.id] = rule
        if problems:
            raise RuleError("\n".join(problems), problems=problems)
        self._ids: dict[str, Rule] = ids
        # The matching plan: per rule, the cheapest tests that can rule it out without a call
        # (its required literal, the status classes it accepts), checked inline by match().
        # Rules of trusted tables (no time limit) also get the pieces of text one of which their
        # diagnostic pattern needs (see required_pieces); a user pattern is always run, so that a
        # pattern that runs out of time says so whatever the text.
        self._plan: tuple[tuple[Any, ...], ...] = tuple(
            (rule, rule._literal, rule._literal_fold,
             None if not rule.status or any(s[0] == "*" for s in rule.status) else frozenset(s[0] for s in rule.status),
             _pieces_of(rule._diagnostic_re) if rule._diagnostic_re is not None and rule.timeout is None else None,
             _LazyBranches(rule._diagnostic_re) if rule._diagnostic_re is not None and rule.timeout is None else None)
            for rule in self._rules
        )
        # The plan cut down for the facts of an evidence (codes, action, command, hint, format):
        # the rules whose other conditions hold for them, up to the first rule without patterns
        # (which then decides). Filled as evidences come; see match().
        self._by_facts: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        # Finds which of the plan's pieces a diagnostic holds; False until the first match() makes
        # it (its regular expression takes some milliseconds), None when the plan has no pieces.
        self._scanner: _PieceScanner | None | bool = False
        if isinstance(disable, dict):
            self._disabled: dict[str, str] = dict(disable)
        else:
            self._disabled = {}
            for rule_id in disable:
                if not isinstance(rule_id, str) or not rule_id:
                    raise RuleError(f"A 'disable' entry must be a rule id (a non-empty string), not {rule_id!r}.")
                self._disabled[rule_id] = "<string>"

    # --- building ---------------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, text: str, /, *, source: str = "<string>",
                  timeout: float | None = USER_PATTERN_TIMEOUT) -> RuleSet:
        """Rules from a TOML text holding ``[[rule]]`` tables (and optionally ``disable = [ids]``).

        ``source`` names the text in error messages; ``timeout`` limits each pattern's run time
        (None: no limit, for trusted tables only). The whole text is checked; the :class:`RuleError`
        lists every problem found, each naming the source, the rule id and the line.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"The rule file {source} is not valid TOML: {exc}.") from None
        unknown = sorted(set(data) - FILE_KEYS)
        if unknown:
            raise RuleError(f"The rule file {source} has unknown top-level keys: {', '.join(unknown)} "
                            f"(a rule file holds [[rule]] tables and 'disable').")
        raw = data.get("rule", [])
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            raise RuleError(f"The rule file {source} must hold its rules as [[rule]] tables.")
        disable_line = _line_of(_DISABLE_KEY, text)
        disabled = data.get("disable", [])
        if isinstance(disabled, str):
            disabled = [disabled]
        if not isinstance(disabled, list) or not all(isinstance(d, str) and d for d in disabled):
            raise RuleError(f"The rule file {source} ({_where(source, disable_line)}) has a 'disable' that is not "
                            f"a list of rule ids.")
        headers = _header_lines(text)
        lines = headers if len(headers) == len(raw) else [0] * len(raw)
        rules: list[Rule] = []
        problems: list[str] = []
        for table, line in zip(raw, lines):
            rid = table.get("id")
            label = repr(rid) if isinstance(rid, str) and rid else "without an id"
            extra = sorted(set(table) - RULE_KEYS)
            if extra:
                problems.append(
                    f"Rule {label} ({_where(source, line)}) has unknown keys: {', '.join(extra)} "
                    f"(known keys: {', '.join(sorted(RULE_KEYS))})."
                )
                continue
            if not isinstance(rid, str) or not rid.strip():
                problems.append(f"A rule in {_where(source, line)} has no id (every rule needs a non-empty string 'id').")
                continue
            if "group" not in table:
                problems.append(f"Rule {label} ({_where(source, line)}) has no 'group'.")
                continue
            try:
                rules.append(Rule(**table, source_file=source, line=line, timeout=timeout))
            except RuleError as exc:
                problems.extend(exc.problems)
        seen: dict[str, Rule] = {}
        unique: list[Rule] = []
        for rule in rules:
            first = seen.get(rule.id)
            if first is not None:
                problems.append(
                    f"Rule {rule.id!r} ({_where(rule.source_file, rule.line)}) has the same id as the rule in "
                    f"{_where(first.source_file, first.line)}; rule ids must be unique."
                )
            else:
                seen[rule.id] = rule
                unique.append(rule)
        for rule_id in disabled:
            if rule_id in seen:
                problems.append(f"The rule file {source} ({_where(source, disable_line)}) both defines and "
                                f"disables rule {rule_id!r}.")
        problems.extend(_shadowed(unique))
        if problems:
            raise RuleError("\n".join(problems), problems=problems)
        return cls(unique, disable={d: _where(source, disable_line) for d in disabled})

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], /, *, timeout: float | None = USER_PATTERN_TIMEOUT) -> RuleSet:
        """Rules from a TOML file (see :meth:`from_toml`)."""
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise RuleError(f"The rule file {name} cannot be read: {exc.strerror or exc}.") from None
        except UnicodeDecodeError:
            raise RuleError(f"The rule file {name} is not UTF-8 text.") from None
        return cls.from_toml(text, source=name, timeout=timeout)

    @classmethod
    def builtin(cls) -> RuleSet:
        """The packaged built-in table (``builtin.toml``), loaded once and cached."""
        return _builtin()

    def __add__(self, other: RuleSet) -> RuleSet:
        """A table trying this table's rules first, then ``other``'s; ids must stay unique.

        The disabled ids of both are kept.
        """
        if not isinstance(other, RuleSet):
            return NotImplemented
        return RuleSet(self._rules + other._rules, disable={**other._disabled, **self._disabled})

    def with_user_rules(self, user: RuleSet, /, *, disable: Iterable[str] = ()) -> RuleSet:
        """This table with ``user``'s rules layered on top.

        A user rule whose id is also in this table replaces that rule in its place (keeping its
        precedence); the other user rules are tried before all of this table. Ids in ``disable``
        and in ``user.disabled`` are removed (an id that is in neither table is an error, so a typo
        does not go unnoticed). The result keeps no disabled ids: they have been applied.
        """
        gone = {**user._disabled, **{d: "the disable argument" for d in disable}}
        unknown = sorted(set(gone) - set(self._ids) - set(user._ids))
        if unknown:
            problems = [f"Rule id {rule_id!r} is disabled ({gone[rule_id]}) but no rule below has it."
                        for rule_id in unknown]
            raise RuleError(f"Cannot disable unknown rule ids: {', '.join(unknown)}.\n" + "\n".join(problems),
                            problems=problems)
        overrides = {r.id: r for r in user._rules if r.id in self._ids}
        front = [r for r in user._rules if r.id not in self._ids and r.id not in gone]
        rest = [overrides.get(r.id, r) for r in self._rules if r.id not in gone]
        return RuleSet(front + rest)

    # --- reading ----------------------------------------------------------------------------------

    @property
    def disabled(self) -> tuple[str, ...]:
        """Ids this table asks to remove from the tables it is layered over (its file's ``disable``)."""
        return tuple(self._disabled)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._ids

    def __getitem__(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError when there is none)."""
        return self._ids[rule_id]

    def __repr__(self) -> str:
        return f"<RuleSet of {len(self._rules)} rules>"

    # --- deciding ---------------------------------------------------------------------------------

    def match(self, evidence: Evidence, format: str | None = None) -> Rule | None:
        """The first rule that matches ``evidence`` (read by the decoder named ``format``), or None.

        Raises :class:`RuleTimeout` when a user pattern runs out of time.
        """
        facts = (evidence.status, evidence.reply_code, evidence.action, evidence.command, evidence.hint, format)
        plan = self._by_facts.get(facts)
        if plan is None:
            plan = self._plan_for(evidence, format)
            if len(self._by_facts) >= 4096:
                self._by_facts.clear()
            self._by_facts[facts] = plan
        diagnostic = evidence.diagnostic or ""
        folded: str | None = None
        # the pieces are lower-case ASCII: they prove a pattern absent only from an ASCII text
        lower = diagnostic.lower() if diagnostic.isascii() else None
        present = holds = None
        if lower is not None:
            present = self._pieces_present(lower)
            # (map() calls a partial of operator.contains without the argument tuple that the slot
            # wrapper lower.__contains__ needs)
            holds = functools.partial(operator.contains, lower)
        for run_pieces, rows in plan:
            if run_pieces is not None and present is not None and present.isdisjoint(run_pieces):
                continue  # no rule of the run can match: its rules are not looked at one by one
            for rule, literal, fold, patterns, pieces, branches in rows:
                if not patterns:
                    return rule  # its other conditions hold: nothing left to test
                if literal is not None:
                    if fold:
                        if folded is None:
                            folded = diagnostic.casefold()
                        if literal not in folded:
                            continue
                    elif literal not in diagnostic:
                        continue
                if pieces is not None and present is not None:
                    if present.isdisjoint(pieces):
                        continue
                    alternatives = branches.get() if branches is not None else None
                    if alternatives is not None:
                        # yes or no is all that counts: try only the alternatives the text may hold
                        if rule._remote_re is not None and (
                                not evidence.remote_mta
                                or rule._search(rule._remote_re, evidence.remote_mta, "remote_mta") is None):
                            continue
                        for alone, alone_pieces in alternatives:
                            if alone_pieces is not None and not any(map(holds, alone_pieces)):
                                continue
                            if alone.search(diagnostic) is not None:
                                return rule
                        continue
                if rule._text_holds(evidence, diagnostic, folded):
                    return rule
        return None

    def _pieces_present(self, lower: str) -> set[str]:
        """The prefilter pieces of the plan that ``lower`` (a lower-cased ASCII text) holds."""
        scanner = self._scanner
        if scanner is False:  # the first call: make it
            scanner = self._scanner = _scanner_for(frozenset(
                piece for row in self._plan if row[4] is not None for piece in row[4]))
        return scanner.present(lower) if scanner is not None else set()

    def _plan_for(self, evidence: Evidence, format: str | None) -> tuple[Any, ...]:
        """The rules (with their shortcuts) whose conditions other than patterns hold for ``evidence``,
        in runs (see :func:`_runs`)."""
        out = []
        for rule, literal, fold, _classes, pieces, branches in self._plan:
            if not rule._holds_but_text(evidence, format):
                continue
            patterns = rule._diagnostic_re is not None or rule._remote_re is not None
            out.append((rule, literal, fold, patterns, pieces, branches))
            if not patterns:
                break
        return _runs(out)

    def decide(self, evidence: Evidence, format: str | None = None) -> Decision:
        """Group, hard/soft flag and deciding rule id for one recipient's evidence.

        When no rule matches, the group is ``undefined`` (rule ``fallback.undefined``). The hard flag
        is the rule's ``hard`` when it gives one, else :func:`default_hard`; whatever the rule says,
        a delayed delivery and the non-failures (delivered, feedback, vacation) are never hard.
        """
        return self._decision(self.match(evidence, format), evidence)

    @staticmethod
    def _decision(rule: Rule | None, evidence: Evidence) -> Decision:
        if rule is None:
            return Decision(Group.UNDEFINED, _hard(None, Group.UNDEFINED, evidence), FALLBACK_ID)
        return Decision(rule.group, _hard(rule.hard, rule.group, evidence), rule.id)

    def trace(self, evidence: Evidence, format: str | None = None) -> Trace:
        """The rules tried on ``evidence`` in order, each with its condition checks, up to the match."""
        tried = []
        matched = None
        for rule in self._rules:
            checks = rule.check(evidence, format)
            tried.append((rule, checks))
            if all(c.held for c in checks):
                matched = rule
                break
        return Trace(tuple(tried), matched, self._decision(matched, evidence))


#: The most rules of a plan whose pieces match() tests at once (see _runs).
RUN_RULES = 8


def _runs(rows: list[tuple[Any, ...]]) -> tuple[tuple[frozenset[str] | None, tuple[tuple[Any, ...], ...]], ...]:
    """The rows of a plan, in order, cut into runs of at most :data:`RUN_RULES` rules whose patterns
    all have prefilter pieces, each with all its rules' pieces: a text that holds none of them can
    match no rule of the run, which match() then passes with one set test instead of one per rule
    (a recipient passes about 67 rules so). A rule without pieces, and the last row when its rule
    has no pattern, make a run of their own, without pieces (always looked at).
    """
    out: list[tuple[frozenset[str] | None, tuple[tuple[Any, ...], ...]]] = []
    run: list[tuple[Any, ...]] = []

    def close() -> None:
        if run:
            out.append((frozenset().union(*(row[4] for row in run)), tuple(run)))
            run.clear()

    for row in rows:
        patterns, pieces = row[3], row[4]
        if patterns and pieces is not None:
            run.append(row)
            if len(run) == RUN_RULES:
                close()
        else:
            close()
            out.append((None, (row,)))
    close()
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _pieces_of(compiled: Any) -> tuple[str, ...] | None:
    """:func:`required_pieces`, once per pattern (tables are rebuilt by layering)."""
    return required_pieces(compiled)


@functools.lru_cache(maxsize=4096)
def _branches_of(compiled: Any) -> tuple[tuple[Any, tuple[str, ...] | None], ...] | None:
    """:func:`split_branches`, once per pattern."""
    return split_branches(compiled)


@functools.cache
def _builtin() -> RuleSet:
    text = importlib.resources.files(__package__).joinpath("builtin.toml").read_text(encoding="utf-8")
    return RuleSet.from_toml(text, source="builtin.toml", timeout=None)

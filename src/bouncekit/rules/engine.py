"""The classification rule engine: evidence in, :class:`Decision` out.

A :class:`RuleSet` is an ordered table of :class:`Rule` rows; the first row whose conditions all hold
decides the group (and, optionally, the hard/soft flag) of a recipient. Rows are data: the built-in
table lives in ``builtin.toml`` next to this module, and users load their own with
:meth:`RuleSet.from_file` and put them in front of the built-ins with :meth:`RuleSet.with_user_rules`.

The engine knows nothing of mail formats: it sees an :class:`~bouncekit.model.Evidence` (codes,
diagnostic text, remote host, DSN action, SMTP command, a format's group hint) and the name of the
format that produced it. ``docs/classification.md`` describes the order of the built-in table and the
hard/soft policy.

Errors::

    ValueError
     └── RuleError        a rule table that cannot be loaded (bad TOML, unknown key, bad regex, ...)
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from ..model import ACTIONS, ALWAYS_HARD, NOT_FAILURES, Evidence, Group

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["Decision", "Rule", "RuleError", "RuleSet"]

#: Id of the pseudo rule that decides when no row of the table matches.
FALLBACK_ID = "fallback.undefined"

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
FILE_KEYS: frozenset[str] = frozenset({"rule"})

_STATUS_GLOB = regex.compile(r"^[0-9*]+(?:\.[0-9*]+){0,2}$")
_REPLY_GLOB = regex.compile(r"^[0-9*]{1,3}$")
_RULE_HEADER = regex.compile(r"^[ \t]*\[\[[ \t]*rule[ \t]*\]\]", regex.MULTILINE)
_COMMAND_WORD = regex.compile(r"^[A-Za-z][A-Za-z-]*$")


class RuleError(ValueError):
    """A rule table (or one rule of it) that cannot be used; the message names file, rule and line."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rule table decided for one recipient."""

    group: Group
    """The group of the failure (see ``docs/groups.md``)."""
    hard: bool
    """True when retrying will not help."""
    rule: str
    """Id of the deciding rule, or ``fallback.undefined`` when no rule matched."""


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
        raise RuleError(f"Rule {rule_id!r} ({where}) has an empty {what!r} list.")
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


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of a rule table: conditions (all must hold) and an outcome.

    Code conditions take an exact code (``"5.1.1"``, ``"550"``), a glob with ``*`` (``"5.7.*"``,
    ``"*.1.1"``, ``"55*"``) or a list of those. ``diagnostic`` and ``remote_mta`` are ``regex``
    patterns searched in the text (write ``(?i)`` for case-insensitive matching). ``format``,
    ``action``, ``command`` and ``hint`` take one value or a list; ``command`` is compared
    case-insensitively. A rule needs at least one condition.
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
    """File (or pseudo file name) the rule was read from."""
    line: int = 0
    """Line of the rule's ``[[rule]]`` header in ``source_file`` (0 when unknown)."""

    _status_exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _status_glob: Any = field(init=False, repr=False, compare=False)
    _reply_exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _reply_glob: Any = field(init=False, repr=False, compare=False)
    _diagnostic_re: Any = field(init=False, repr=False, compare=False)
    _remote_re: Any = field(init=False, repr=False, compare=False)

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

        status = _as_tuple(self.status, "status", rid, where)
        for item in status:
            if not _STATUS_GLOB.match(item):
                raise RuleError(f"Rule {rid!r} ({where}) has a malformed status {item!r} (expected e.g. '5.1.1' or '5.7.*').")
        reply = _as_tuple(self.reply_code, "reply_code", rid, where)
        for item in reply:
            if not _REPLY_GLOB.match(item):
                raise RuleError(f"Rule {rid!r} ({where}) has a malformed reply_code {item!r} (expected e.g. '550' or '5*').")
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
        setattr_(self, "_diagnostic_re",
                 _compile(self.diagnostic, "diagnostic", rid, where) if self.diagnostic else None)
        setattr_(self, "_remote_re",
                 _compile(self.remote_mta, "remote_mta", rid, where) if self.remote_mta else None)

    def matches(self, evidence: Evidence, format: str | None = None) -> bool:
        """True when every condition of this rule holds for ``evidence`` read by ``format``.

        Cheap comparisons run first; the regular expressions only when everything else holds.
        """
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
        if self._remote_re is not None:
            if not evidence.remote_mta or self._remote_re.search(evidence.remote_mta) is None:
                return False
        if self._diagnostic_re is not None:
            if self._diagnostic_re.search(evidence.diagnostic or "") is None:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """A new plain dict of the rule as it would be written in TOML (only the keys given)."""
        out: dict[str, Any] = {"id": self.id}
        for key in CONDITION_KEYS:
            value = getattr(self, key)
            if value:
                out[key] = [str(v) for v in value] if isinstance(value, tuple) else value
        out["group"] = self.group.value
        if self.hard is not None:
            out["hard"] = self.hard
        if self.note:
            out["note"] = self.note
        return out


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


class RuleSet:
    """An ordered rule table; the first matching rule decides.

    Build one from TOML (:meth:`from_toml`, :meth:`from_file`), take the packaged table
    (:meth:`builtin`), concatenate two (``first + second``: the rules of ``first`` are tried first),
    or layer user rules over a base table (:meth:`with_user_rules`). Rule sets are immutable and safe
    to share between threads.
    """

    __slots__ = ("_rules", "_ids")

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules: tuple[Rule, ...] = tuple(rules)
        ids: dict[str, Rule] = {}
        for rule in self._rules:
            if not isinstance(rule, Rule):
                raise TypeError(f"A RuleSet holds Rule objects, not {type(rule).__name__}.")
            first = ids.get(rule.id)
            if first is not None:
                raise RuleError(
                    f"Rule {rule.id!r} ({_where(rule.source_file, rule.line)}) has the same id as the rule in "
                    f"{_where(first.source_file, first.line)}; rule ids must be unique."
                )
            ids[rule.id] = rule
        self._ids: dict[str, Rule] = ids

    # --- building ---------------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, text: str, /, *, source: str = "<string>") -> RuleSet:
        """Rules from a TOML text holding ``[[rule]]`` tables; ``source`` names it in error messages."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"The rule file {source} is not valid TOML: {exc}.") from None
        unknown = sorted(set(data) - FILE_KEYS)
        if unknown:
            raise RuleError(f"The rule file {source} has unknown top-level keys: {', '.join(unknown)}.")
        raw = data.get("rule", [])
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            raise RuleError(f"The rule file {source} must hold its rules as [[rule]] tables.")
        headers = _header_lines(text)
        lines = headers if len(headers) == len(raw) else [0] * len(raw)
        rules = []
        for table, line in zip(raw, lines):
            rid = table.get("id")
            label = repr(rid) if isinstance(rid, str) and rid else "without an id"
            extra = sorted(set(table) - RULE_KEYS)
            if extra:
                raise RuleError(
                    f"Rule {label} ({_where(source, line)}) has unknown keys: {', '.join(extra)} "
                    f"(known keys: {', '.join(sorted(RULE_KEYS))})."
                )
            if not isinstance(rid, str) or not rid.strip():
                raise RuleError(f"A rule in {_where(source, line)} has no id (every rule needs a non-empty string 'id').")
            if "group" not in table:
                raise RuleError(f"Rule {label} ({_where(source, line)}) has no 'group'.")
            rules.append(Rule(**table, source_file=source, line=line))
        return cls(rules)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], /) -> RuleSet:
        """Rules from a TOML file."""
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise RuleError(f"The rule file {name} cannot be read: {exc.strerror or exc}.") from None
        except UnicodeDecodeError:
            raise RuleError(f"The rule file {name} is not UTF-8 text.") from None
        return cls.from_toml(text, source=name)

    @classmethod
    def builtin(cls) -> RuleSet:
        """The packaged built-in table (``builtin.toml``), loaded once and cached."""
        return _builtin()

    def __add__(self, other: RuleSet) -> RuleSet:
        """A table trying this table's rules first, then ``other``'s; ids must stay unique."""
        if not isinstance(other, RuleSet):
            return NotImplemented
        return RuleSet(self._rules + other._rules)

    def with_user_rules(self, user: RuleSet, /, *, disable: Iterable[str] = ()) -> RuleSet:
        """This table with ``user``'s rules layered on top.

        A user rule whose id is also in this table replaces that rule in its place (keeping its
        precedence); the other user rules are tried before all of this table. Ids in ``disable`` are
        removed (an id that is in neither table is an error, so a typo does not go unnoticed).
        """
        gone = set(disable)
        unknown = sorted(gone - set(self._ids) - set(user._ids))
        if unknown:
            raise RuleError(f"Cannot disable unknown rule ids: {', '.join(unknown)}.")
        overrides = {r.id: r for r in user._rules if r.id in self._ids}
        front = [r for r in user._rules if r.id not in self._ids and r.id not in gone]
        rest = [overrides.get(r.id, r) for r in self._rules if r.id not in gone]
        return RuleSet(front + rest)

    # --- reading ----------------------------------------------------------------------------------

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
        """The first rule that matches ``evidence`` (read by the decoder named ``format``), or None."""
        for rule in self._rules:
            if rule.matches(evidence, format):
                return rule
        return None

    def decide(self, evidence: Evidence, format: str | None = None) -> Decision:
        """Group, hard/soft flag and deciding rule id for one recipient's evidence.

        When no rule matches, the group is ``undefined`` (rule ``fallback.undefined``). The hard flag
        is the rule's ``hard`` when it gives one, else :func:`default_hard`; whatever the rule says,
        a delayed delivery and the non-failures (delivered, feedback, vacation) are never hard.
        """
        rule = self.match(evidence, format)
        if rule is None:
            return Decision(Group.UNDEFINED, _hard(None, Group.UNDEFINED, evidence), FALLBACK_ID)
        return Decision(rule.group, _hard(rule.hard, rule.group, evidence), rule.id)


@functools.cache
def _builtin() -> RuleSet:
    text = importlib.resources.files(__package__).joinpath("builtin.toml").read_text(encoding="utf-8")
    return RuleSet.from_toml(text, source="builtin.toml")

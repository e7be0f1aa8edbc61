"""The effective rule table: user files, then plugins, then the built-in table.

Rule plugins are Python packages that declare an entry point in the group ``bouncekit.rules``.
The entry point names either a TOML rule file inside a package, or a callable returning rules::

    [project.entry-points."bouncekit.rules"]
    acme = "acme_bounce_rules:rules.toml"          # a file in the package acme_bounce_rules
    acme-extra = "acme_bounce_rules.extra:rules"   # a function returning a RuleSet or Rules

Plugins are loaded (and validated) when the table is built, in the order of their entry point
names, never in the middle of a batch. A plugin that cannot be loaded is a :class:`RuleError`
naming it; ``--no-plugins`` (``plugins=False``) leaves all of them out.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import importlib.resources
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .engine import USER_PATTERN_TIMEOUT, Rule, RuleError, RuleSet

#: The entry point group rule plugins register in.
ENTRY_POINT_GROUP = "bouncekit.rules"

_LEAVE_OUT = "(--no-plugins, or plugins=False, leaves plugins out.)"

#: ``Rule.source_file`` of the rules of the built-in table.
BUILTIN_SOURCE = "builtin.toml"


@dataclass(frozen=True, slots=True)
class Plugin:
    """One rule plugin, loaded and validated."""

    name: str
    """The entry point's name."""
    value: str
    """What the entry point points at (``package:file.toml`` or ``module:function``)."""
    distribution: str | None
    """The installed distribution that declares it (name and version), when known."""
    rules: RuleSet
    """Its rules (each rule's ``source_file`` reads ``plugin NAME (...)``)."""


def _distribution(ep: importlib.metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None
    return f"{dist.metadata['Name']} {dist.version}"


def _load_entry_point(ep: importlib.metadata.EntryPoint, timeout: float | None) -> RuleSet:
    label = f"plugin {ep.name}"
    attr = ep.attr or ""
    if attr.endswith(".toml"):
        resource = importlib.resources.files(ep.module).joinpath(*attr.split("/"))
        text = resource.read_text(encoding="utf-8")
        return RuleSet.from_toml(text, source=f"{label} ({ep.module}/{attr})", timeout=timeout)
    target = ep.load()
    produced = target() if callable(target) else target
    if isinstance(produced, RuleSet):
        rules: Iterable[object] = produced
        disabled: Sequence[str] = produced.disabled
    elif isinstance(produced, Iterable) and not isinstance(produced, (str, bytes)):
        rules, disabled = list(produced), ()
    else:
        raise RuleError(f"The rule {label} ({ep.value}) returned {type(produced).__name__}, not a RuleSet "
                        f"or a list of Rule objects.")
    relabelled = []
    for rule in rules:
        if not isinstance(rule, Rule):
            raise RuleError(f"The rule {label} ({ep.value}) returned a {type(rule).__name__} among its rules; "
                            f"it must return Rule objects.")
        where = ep.value if rule.source_file == "<string>" else rule.source_file
        relabelled.append(dataclasses.replace(rule, source_file=f"{label} ({where})", timeout=timeout))
    return RuleSet(relabelled, disable={d: f"{label} ({ep.value})" for d in disabled})


def load_plugins(*, timeout: float | None = USER_PATTERN_TIMEOUT) -> list[Plugin]:
    """Every installed rule plugin, loaded and validated, in the order of their names.

    Raises :class:`RuleError` naming the plugin (and, for its rules, the rule and line) when one
    cannot be loaded.
    """
    found = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (ep.name, ep.value))
    plugins = []
    for ep in found:
        try:
            rules = _load_entry_point(ep, timeout)
        except RuleError as exc:
            problems = [f"The rule plugin {ep.name!r} ({ep.value}) is broken: {p} {_LEAVE_OUT}" for p in exc.problems]
            raise RuleError("\n".join(problems), problems=problems) from None
        except Exception as exc:  # an import error, a missing file, a bug in the plugin's function
            raise RuleError(f"The rule plugin {ep.name!r} ({ep.value}) could not be loaded: {exc!r}. "
                            f"{_LEAVE_OUT}") from None
        plugins.append(Plugin(ep.name, ep.value, _distribution(ep), rules))
    return plugins


def load_rules(files: Iterable[str | os.PathLike[str]] = (), /, *, plugins: bool | Sequence[Plugin] = True,
               known_formats: Collection[str] | None = None,
               timeout: float | None = USER_PATTERN_TIMEOUT) -> RuleSet:
    """The effective table: the rules of ``files`` (in order), then plugins, then the built-in table.

    A rule whose id is already in a lower layer replaces that rule in place; ``disable = [...]`` in
    a file (or a plugin) removes ids of the layers below it. ``plugins`` is True (discover the
    installed ones), False (none) or a list from :func:`load_plugins`. With ``known_formats``, a
    rule naming a format that is not among them is an error (it could never match). Every problem
    of every file is reported in one :class:`RuleError`, before any mail is read.
    """
    problems: list[str] = []
    user = RuleSet()
    for path in files:
        try:
            user = user + RuleSet.from_file(path, timeout=timeout)
        except RuleError as exc:
            problems.extend(exc.problems)
    if plugins is True:
        try:
            plugins = load_plugins(timeout=timeout)
        except RuleError as exc:
            problems.extend(exc.problems)
            plugins = []
    elif plugins is False:
        plugins = []
    plugin_rules = RuleSet()
    for plugin in plugins:
        try:
            plugin_rules = plugin_rules + plugin.rules
        except RuleError as exc:
            problems.extend(exc.problems)
    if known_formats is not None:
        known = set(known_formats)
        for rule in [*user, *plugin_rules]:
            unknown = [f for f in rule.format if f not in known]
            if unknown:
                where = f"{rule.source_file}, line {rule.line}" if rule.line else rule.source_file
                problems.append(f"Rule {rule.id!r} ({where}) names unknown formats: {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(known))}), so it can never match there.")
    if problems:
        raise RuleError("\n".join(problems), problems=problems)
    table = RuleSet.builtin()
    if len(plugin_rules) or plugin_rules.disabled:
        table = table.with_user_rules(plugin_rules)
    if len(user) or user.disabled:
        table = table.with_user_rules(user)
    return table


def source_label(rule: Rule) -> str:
    """Where a rule comes from, for listings: ``builtin``, a file path, or ``plugin NAME (...)``."""
    return "builtin" if rule.source_file == BUILTIN_SOURCE else rule.source_file

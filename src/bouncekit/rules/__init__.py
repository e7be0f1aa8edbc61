"""Classification rules: turn a recipient's :class:`~bouncekit.model.Evidence` into a group.

``RuleSet.builtin()`` is the packaged table (``builtin.toml``); ``load_rules`` builds the effective
table (user files, then plugins of the ``bouncekit.rules`` entry point group, then the built-ins).
``docs/classification.md`` explains the built-in table's order, ``docs/rules.md`` the rule files.
"""

from __future__ import annotations

from .engine import ConditionCheck, Decision, Rule, RuleError, RuleSet, RuleTimeout, Trace
from .layers import ENTRY_POINT_GROUP, Plugin, load_plugins, load_rules, source_label

__all__ = ["ENTRY_POINT_GROUP", "ConditionCheck", "Decision", "Plugin", "Rule", "RuleError", "RuleSet",
           "RuleTimeout", "Trace", "load_plugins", "load_rules", "source_label"]

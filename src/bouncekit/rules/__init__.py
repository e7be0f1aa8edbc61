"""Classification rules: turn a recipient's :class:`~bouncekit.model.Evidence` into a group.

``RuleSet.builtin()`` is the packaged table (``builtin.toml``); ``docs/classification.md`` explains
its order and the rule keys.
"""

from __future__ import annotations

from .engine import Decision, Rule, RuleError, RuleSet

__all__ = ["Decision", "Rule", "RuleError", "RuleSet"]

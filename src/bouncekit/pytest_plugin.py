"""The bouncekit pytest plugin (registered through the ``pytest11`` entry point).

Configuration (``pytest.ini`` / ``pyproject.toml`` ``[tool.pytest.ini_options]``):

- ``bouncekit_rules``: rule files (one a line, relative to the rootdir) put before the built-ins;
- ``bouncekit_plugins``: ``true`` to include the installed rule plugins (default ``false``, so a
  test run does not depend on what happens to be installed).

Fixtures: ``bouncekit_rules`` (the effective :class:`~bouncekit.RuleSet`; override it in a
``conftest.py`` for other tables), ``bouncekit_bounce`` (build and parse a bounce with those rules),
``bouncekit_check`` (check a sample against its sidecar; ``--bouncekit-update`` rewrites sidecars).

A test that takes a ``bouncekit_sample`` argument and carries ``@pytest.mark.bouncekit_samples(FOLDER)``
(relative to the test file) runs once per ``*.eml`` file of the folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .model import Report
    from .rules import RuleSet
    from .testing import Sample


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bouncekit")
    group.addoption("--bouncekit-update", action="store_true", default=False,
                    help="rewrite the expected.json sidecars of bouncekit samples from the current results")
    parser.addini("bouncekit_rules", type="linelist", default=[],
                  help="bouncekit rule files for the bouncekit_rules fixture (relative to the rootdir)")
    parser.addini("bouncekit_plugins", type="bool", default=False,
                  help="include installed bouncekit rule plugins in the bouncekit_rules fixture")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bouncekit_samples(folder, pattern='*.eml'): run the test once per sample "
                                       "message of FOLDER (relative to the test file), as the bouncekit_sample argument")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "bouncekit_sample" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("bouncekit_samples")
    if marker is None:
        raise pytest.UsageError(f"{metafunc.definition.nodeid} takes bouncekit_sample but has no "
                                f"@pytest.mark.bouncekit_samples(folder) marker.")
    from .testing import load_samples

    folder = Path(metafunc.definition.path).parent / marker.args[0]
    samples = load_samples(folder, pattern=marker.kwargs.get("pattern", "*.eml"))
    metafunc.parametrize("bouncekit_sample", samples, ids=[str(s.path.relative_to(folder)) for s in samples])


@pytest.fixture(scope="session")
def bouncekit_rules(pytestconfig: pytest.Config) -> RuleSet:
    """The rule table to test: ``bouncekit_rules`` files, then (optionally) plugins, then built-ins."""
    from . import load_rules

    root = Path(pytestconfig.rootpath)
    files = [root / f for f in pytestconfig.getini("bouncekit_rules")]
    return load_rules(files, plugins=bool(pytestconfig.getini("bouncekit_plugins")))


@pytest.fixture
def bouncekit_bounce(bouncekit_rules: RuleSet) -> Callable[..., Report]:
    """``bouncekit_bounce(status=..., diagnostic=..., ...)``: :func:`bouncekit.testing.bounce` with the rules."""
    from .testing import bounce

    def build(**params: Any) -> Report:
        params.setdefault("rules", bouncekit_rules)
        return bounce(**params)

    return build


@pytest.fixture
def bouncekit_check(bouncekit_rules: RuleSet, pytestconfig: pytest.Config) -> Callable[[Sample], Report]:
    """``bouncekit_check(sample)``: compare a sample with its sidecar (or rewrite it with --bouncekit-update)."""
    from .testing import check_sample

    update = bool(pytestconfig.getoption("bouncekit_update"))

    def check(sample: Sample) -> Report:
        return check_sample(sample, rules=bouncekit_rules, update=update)

    return check

"""Rule plugins, with a real package (tests/plugin_pkg) installed by pip for the session.

The package is installed with ``pip install --target`` into a temporary directory that is put on
``sys.path`` (importlib.metadata finds its dist-info and entry points there), so the test venv is
never changed and clean-up is removing the directory; no build isolation, so no download.
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bouncekit import Group, RuleError, RuleSet, load_rules
from bouncekit.cli import main
from bouncekit.rules import load_plugins
from bouncekit.testing import assert_classified, bounce

PKG = Path(__file__).parent / "plugin_pkg"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("plugin")
    source = work / "src"
    shutil.copytree(PKG, source)  # setuptools writes build/ and egg-info next to the sources
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), str(source)],
                   check=True, capture_output=True, text=True)
    assert (target / "bouncekit_acme_rules" / "rules.toml").is_file()
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        for name in [m for m in sys.modules if m.startswith("bouncekit_acme_rules")]:
            del sys.modules[name]
        importlib.invalidate_caches()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_plugins_are_found_and_validated(installed: Path) -> None:
    plugins = {p.name: p for p in load_plugins()}
    assert set(plugins) >= {"acme", "acme-code"}
    assert plugins["acme"].distribution == "bouncekit-acme-rules 1.0"
    assert [r.id for r in plugins["acme"].rules] == ["acme.greylisted"]
    assert plugins["acme"].rules.disabled == ("rhost.microsoft.5.4.316",)
    rule = plugins["acme-code"].rules["acme.vip-relay"]
    assert rule.source_file == "plugin acme-code (bouncekit_acme_rules.extra:rules)"
    assert rule.timeout is not None, "plugin patterns run with a time limit"


def test_plugin_rules_run_after_user_files_and_before_builtins(installed: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[[rule]]\nid = "mine.greylist"\ndiagnostic = "(?i)greylisted"\ngroup = "rate_limited"\n',
                    encoding="utf-8")
    table = load_rules([mine])
    ids = [r.id for r in table]
    assert ids.index("mine.greylist") < ids.index("acme.greylisted") < ids.index("acme.vip-relay") < ids.index("fact.delivered")
    assert "rhost.microsoft.5.4.316" not in table
    assert_classified(bounce(reply_code="451", diagnostic="acme relay: greylisted, try later", rules=table),
                      group="rate_limited", rule="mine.greylist")
    without_mine = load_rules()
    assert_classified(bounce(reply_code="451", diagnostic="acme relay: greylisted, try later", rules=without_mine),
                      group=Group.ON_HOLD, rule="acme.greylisted")
    assert_classified(bounce(status="5.7.1", diagnostic="refused", remote_mta="mx1.vip.acme.example",
                             rules=without_mine), group="filtered", rule="acme.vip-relay")
    off = load_rules(plugins=False)
    assert "acme.greylisted" not in off and "rhost.microsoft.5.4.316" in off
    assert len(off) == len(RuleSet.builtin())


def test_cli_lists_sources_and_honours_no_plugins(installed: Path) -> None:
    code, out, err = run("rules", "list")
    assert code == 0, err
    lines = {line.split()[1]: line for line in out.splitlines()[1:]}
    assert "plugin acme (bouncekit_acme_rules/rules.toml):4" in lines["acme.greylisted"]
    assert "plugin acme-code (bouncekit_acme_rules.extra:rules)" in lines["acme.vip-relay"]
    assert "builtin:" in lines["fact.delivered"]
    code, out, _ = run("rules", "list", "--no-plugins")
    assert "acme.greylisted" not in out and code == 0


def test_cli_subprocess_sees_the_installed_plugin(installed: Path, tmp_path: Path) -> None:
    mail = tmp_path / "grey.eml"
    from bouncekit.testing import make_bounce

    mail.write_bytes(make_bounce(reply_code="451", diagnostic="acme relay: greylisted", action="delayed"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "bouncekit", "explain", "--color", "never", str(mail)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert "matched:    acme.greylisted (plugin acme (bouncekit_acme_rules/rules.toml), line 4)" in done.stdout
    done = subprocess.run(cmd + ["--no-plugins"], capture_output=True, text=True, env=env, check=False)
    assert "acme.greylisted" not in done.stdout


def test_a_broken_plugin_is_named(installed: Path) -> None:
    toml = installed / "bouncekit_acme_rules" / "rules.toml"
    good = toml.read_text(encoding="utf-8")
    toml.write_text(good.replace('group = "on_hold"', 'group = "on_hould"'), encoding="utf-8")
    try:
        with pytest.raises(RuleError) as info:
            load_rules()
        assert "The rule plugin 'acme' (bouncekit_acme_rules:rules.toml) is broken" in str(info.value)
        assert "'acme.greylisted' (plugin acme (bouncekit_acme_rules/rules.toml), line 4)" in str(info.value)
        code, _, err = run("classify", str(toml))
        assert code == 2 and "on_hould" in err and "--no-plugins" in err
        assert run("rules", "list", "--no-plugins")[0] == 0
    finally:
        toml.write_text(good, encoding="utf-8")


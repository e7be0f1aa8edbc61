"""The testing kit (bouncekit.testing) and its pytest plugin, used on the project's own rule samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bouncekit import Group, RuleSet, load_rules
from bouncekit.testing import (Sample, assert_classified, bounce, check_sample, classify_evidence, load_eml,
                               load_samples, make_bounce)

pytest_plugins = ["pytester"]

SAMPLES = Path(__file__).parent / "rule_samples"


# --- the project's rule samples, through the plugin's marker and fixtures ----------------------------


@pytest.fixture(scope="module")
def bouncekit_rules() -> RuleSet:
    """This module's table: the samples' own rule file in front of the built-ins (overrides the plugin's)."""
    return load_rules([SAMPLES / "acme.toml"], plugins=False)


@pytest.mark.bouncekit_samples("rule_samples")
def test_rule_sample(bouncekit_sample: Sample, bouncekit_check) -> None:  # type: ignore[no-untyped-def]
    report = bouncekit_check(bouncekit_sample)
    assert report.deliveries, "every sample here is a bounce with a recipient"


def test_the_sample_folder_is_what_the_marker_runs() -> None:
    assert [s.name for s in load_samples(SAMPLES)] == ["acme-policy.eml", "acme-quota.eml", "plain-unknown-user.eml"]


def test_bouncekit_bounce_fixture_uses_the_module_rules(bouncekit_bounce) -> None:  # type: ignore[no-untyped-def]
    report = bouncekit_bounce(status="5.7.1", diagnostic="refused", remote_mta="mx.relay.acme.example")
    assert_classified(report, group="policy_violation", hard=False, rule="acme.soft-policy")
    assert_classified(bouncekit_bounce(status="5.7.1", diagnostic="refused", remote_mta="relay.acme.example.org"),
                      rule="status.X.7.x")


# --- building bounces ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["rfc3464", "text"])
def test_make_bounce_carries_every_parameter(fmt: str) -> None:
    report = bounce(format=fmt, status="4.2.2", reply_code="452", diagnostic="mailbox over quota",
                    remote_mta="mx.example.net", recipient="Dora@Example.NET", command="rcpt")
    assert report.format == fmt
    d = assert_classified(report, group=Group.MAILBOX_FULL, hard=False)
    assert (d.recipient, d.status, d.reply_code, d.remote_mta, d.command) == (
        "Dora@example.net", "4.2.2", "452", "mx.example.net", "RCPT")
    assert "mailbox over quota" in d.diagnostic and d.action == "delayed"


def test_make_bounce_invents_no_code() -> None:
    d = bounce(diagnostic="the mailbox is unavailable").deliveries[0]
    assert (d.status, d.reply_code, d.remote_mta) == (None, None, None)


def test_make_bounce_rejects_formats_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="classify_evidence"):
        make_bounce(format="postfix")
    d = classify_evidence(format="postfix", rules=RuleSet.from_toml(
        '[[rule]]\nid = "pf.only"\nformat = "postfix"\nreply_code = "550"\ngroup = "filtered"\n'), reply_code="550")
    assert (d.group, d.rule) == (Group.FILTERED, "pf.only")
    assert classify_evidence(hint="feedback").group is Group.FEEDBACK


def test_assert_classified_failure_explains() -> None:
    report = bounce(status="5.1.1", diagnostic="no such user")
    with pytest.raises(AssertionError) as info:
        assert_classified(report, group="blocked", hard=False, rule="x.y")
    text = str(info.value)
    assert text.startswith("user@example.com: group is unknown_user, expected blocked; hard is True, expected False; "
                           "rule is status.X.1.1, expected x.y.")
    assert "matched:    status.X.1.1" in text
    with pytest.raises(AssertionError, match="No delivery for nobody@example.com"):
        assert_classified(report, recipient="nobody@example.com")
    with pytest.raises(TypeError):
        assert_classified("not a report")  # type: ignore[arg-type]


# --- samples and sidecars --------------------------------------------------------------------------------


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "samples"
    folder.mkdir()
    shutil.copy(SAMPLES / "acme-quota.eml", folder / "quota.eml")
    return folder


def test_check_sample_reports_differences_and_missing_sidecars(sample_dir: Path) -> None:
    (sample,) = load_samples(sample_dir)
    with pytest.raises(AssertionError, match="has no sidecar quota.expected.json"):
        check_sample(sample)
    sample.expected_path.write_text(json.dumps({"deliveries": [{"recipient": "ann@example.net", "group": "blocked",
                                                                "rule": "acme.relay-quota"}]}), encoding="utf-8")
    with pytest.raises(AssertionError) as info:
        check_sample(sample)
    assert "group is 'mailbox_full', expected 'blocked'" in str(info.value)
    assert "rule is 'text.mailbox-full', expected 'acme.relay-quota'" in str(info.value)
    rules = load_rules([SAMPLES / "acme.toml"], plugins=False)
    with pytest.raises(AssertionError, match="group is 'mailbox_full', expected 'blocked'") as info:
        check_sample(sample, rules=rules)
    assert "rule is" not in str(info.value).splitlines()[0]


def test_update_writes_the_sidecar(sample_dir: Path) -> None:
    (sample,) = load_samples(sample_dir)
    check_sample(sample, update=True)
    written = json.loads(sample.expected_path.read_text(encoding="utf-8"))
    assert written == {"format": "rfc3464", "is_bounce": True, "deliveries": [
        {"recipient": "ann@example.net", "action": "failed", "status": "5.2.2", "reply_code": "552",
         "group": "mailbox_full", "hard": False, "rule": "text.mailbox-full"}]}
    assert check_sample(sample).deliveries[0].rule == "text.mailbox-full"


def test_load_samples_refuses_missing_or_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_samples(tmp_path / "nope")
    with pytest.raises(ValueError, match="holds no"):
        load_samples(tmp_path)


def test_load_eml() -> None:
    assert load_eml(SAMPLES / "acme-quota.eml").deliveries[0].recipient == "ann@example.net"


# --- the pytest plugin as a user sees it -----------------------------------------------------------------


def test_plugin_in_a_user_project(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nbouncekit_rules =\n    rules/acme.toml\n")
    (pytester.path / "rules").mkdir()
    shutil.copy(SAMPLES / "acme.toml", pytester.path / "rules" / "acme.toml")
    (pytester.path / "samples").mkdir()
    shutil.copy(SAMPLES / "acme-quota.eml", pytester.path / "samples" / "quota.eml")
    pytester.makepyfile(test_acme='''
import pytest
from bouncekit.testing import assert_classified

def test_quota(bouncekit_bounce):
    assert_classified(bouncekit_bounce(diagnostic="acme relay: quota exceeded"), rule="acme.relay-quota")

def test_wrong(bouncekit_bounce):
    assert_classified(bouncekit_bounce(diagnostic="no such user", status="5.1.1"), group="blocked")

@pytest.mark.bouncekit_samples("samples")
def test_samples(bouncekit_sample, bouncekit_check):
    bouncekit_check(bouncekit_sample)
''')
    result = pytester.runpytest("--bouncekit-update")
    result.assert_outcomes(passed=2, failed=1)
    assert "group is unknown_user, expected blocked" in result.stdout.str()
    sidecar = json.loads((pytester.path / "samples" / "quota.expected.json").read_text(encoding="utf-8"))
    assert sidecar["deliveries"][0]["rule"] == "acme.relay-quota"
    result = pytester.runpytest("-k", "samples")
    result.assert_outcomes(passed=1)

"""User rule files: loading, layering, validation, the CLI (classify --rules, rules check/list, explain),
pattern timeouts and the literal prefilter. Written with the testing kit (bouncekit.testing)."""

from __future__ import annotations

import importlib.util
import io
import json
import random
from pathlib import Path

import pytest
import regex

import bouncekit
from bouncekit import Group, RuleError, RuleSet, load_rules
from bouncekit.cli import main
from bouncekit.model import Evidence
from bouncekit.rules.engine import Rule, required_literal
from bouncekit.testing import assert_classified, bounce, classify_evidence, make_bounce

ACME = '''[[rule]]
id = "acme.relay-quota"
group = "mailbox_full"
hard = false
diagnostic = '(?i)acme relay: quota exceeded'
'''

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def acme_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.toml"
    path.write_text(ACME, encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --- the issue's acceptance example -----------------------------------------------------------------


def test_acme_example_through_the_api(acme_file: Path) -> None:
    rules = RuleSet.from_file(acme_file)
    table = load_rules([acme_file], plugins=False)
    assert [r.id for r in rules] == ["acme.relay-quota"]
    assert next(iter(table)).id == "acme.relay-quota", "user rules run first"
    report = bounce(status="5.2.2", reply_code="552", diagnostic="acme relay: quota exceeded", rules=table)
    assert_classified(report, group="mailbox_full", hard=False, rule="acme.relay-quota")
    # without the file, the built-in table decides differently (by the status code)
    assert_classified(bounce(status="5.2.2", reply_code="552", diagnostic="acme relay: quota exceeded"),
                      group="mailbox_full", rule="text.mailbox-full")


def test_acme_example_through_the_cli(acme_file: Path, tmp_path: Path) -> None:
    mail = tmp_path / "bounce.eml"
    mail.write_bytes(make_bounce(diagnostic="Acme Relay: QUOTA EXCEEDED for this mailbox", reply_code="452",
                                 action="delayed", remote_mta="relay.acme.example"))
    code, out, err = run("classify", "--format", "jsonl", "--no-plugins", "--rules", str(acme_file), str(mail))
    assert (code, err) == (0, "")
    row = json.loads(out)
    assert (row["group"], row["rule"], row["hard"], row["error"]) == ("mailbox_full", "acme.relay-quota", False, None)

    code, out, err = run("explain", "--no-plugins", "--color", "never", "--rules", str(acme_file), str(mail))
    assert code == 0, err
    assert "Read by the rfc3464 decoder" in out
    assert f"matched:    acme.relay-quota ({acme_file}, line 1) -> mailbox_full, soft" in out
    assert "452 [[Acme Relay: QUOTA EXCEEDED]] for this mailbox" in out
    assert "remote MTA relay.acme.example" in out and "status none, reply code 452" in out


def test_rules_option_is_repeatable_and_files_keep_their_order(acme_file: Path, tmp_path: Path) -> None:
    second = tmp_path / "second.toml"
    second.write_text('[[rule]]\nid = "acme.any-quota"\ndiagnostic = "(?i)quota"\ngroup = "system_full"\n',
                      encoding="utf-8")
    table = load_rules([second, acme_file], plugins=False)
    assert [r.id for r in table][:2] == ["acme.any-quota", "acme.relay-quota"]
    assert_classified(bounce(diagnostic="acme relay: quota exceeded", rules=table), rule="acme.any-quota")
    code, out, _ = run("rules", "list", "--no-plugins", "--rules", str(acme_file), "--rules", str(second))
    lines = out.splitlines()
    assert "acme.relay-quota" in lines[1] and "acme.any-quota" in lines[2]
    assert f"{acme_file}:1" in lines[1] and "mailbox_full (soft)" in lines[1]
    assert "builtin:" in lines[3]
    assert len(lines) == 1 + len(RuleSet.builtin()) + 2


# --- layering: override, disable --------------------------------------------------------------------


def test_same_id_replaces_a_builtin_in_place(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[rule]]\nid = "status.X.1.1"\nstatus = "*.1.1"\ngroup = "filtered"\nhard = false\n',
                    encoding="utf-8")
    table = load_rules([path], plugins=False)
    builtin_ids = [r.id for r in RuleSet.builtin()]
    assert [r.id for r in table] == builtin_ids, "an override keeps the built-in's place"
    assert table["status.X.1.1"].source_file == str(path)
    assert_classified(bounce(status="5.1.1", diagnostic="mailbox unavailable", rules=table),
                      group="filtered", hard=False, rule="status.X.1.1")


def test_disable_removes_builtins_and_names_typos(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('disable = ["status.X.1.1", "text.user-unknown"]\n', encoding="utf-8")
    table = load_rules([path], plugins=False)
    assert "status.X.1.1" not in table and len(table) == len(RuleSet.builtin()) - 2
    delivery = classify_evidence(status="5.1.1", diagnostic="User unknown", rules=table)
    assert delivery.group is not Group.UNKNOWN_USER or delivery.rule not in ("status.X.1.1", "text.user-unknown")
    path.write_text('# mine\n\ndisable = ["status.X.1.11"]\n', encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_rules([path], plugins=False)
    assert "'status.X.1.11'" in str(info.value) and f"{path}, line 3" in str(info.value)


def test_disable_and_define_the_same_id_is_an_error() -> None:
    with pytest.raises(RuleError, match="both defines and disables rule 'x.one'"):
        RuleSet.from_toml('disable = ["x.one"]\n[[rule]]\nid = "x.one"\nstatus = "5.1.1"\ngroup = "filtered"\n')


def test_duplicate_ids_across_files(tmp_path: Path, acme_file: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(ACME, encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_rules([acme_file, other], plugins=False)
    assert str(other) in str(info.value) and str(acme_file) in str(info.value) and "same id" in str(info.value)


# --- validation ----------------------------------------------------------------------------------------

NEVER = [
    ('[[rule]]\nid = "n.classes"\nstatus = "5.7.*"\nreply_code = "4*"\ngroup = "blocked"\n', "n.classes",
     "share their class"),
    ('[[rule]]\nid = "n.action"\naction = []\ngroup = "blocked"\n', "n.action", "empty 'action' list"),
    ('[[rule]]\nid = "n.hint"\nhint = []\ngroup = "blocked"\n', "n.hint", "empty 'hint' list"),
    ('[[rule]]\nid = "n.status"\nstatus = "5.1"\ngroup = "blocked"\n', "n.status", "no complete enhanced code"),
    ('[[rule]]\nid = "n.class6"\nstatus = "6.*"\ngroup = "blocked"\n', "n.class6", "class is not 2, 4 or 5"),
    ('[[rule]]\nid = "n.reply"\nreply_code = "650"\ngroup = "blocked"\n', "n.reply", "no reply code of class"),
    ('[[rule]]\nid = "n.first"\nstatus = "5.7.*"\ngroup = "blocked"\n\n'
     '[[rule]]\nid = "n.shadowed"\nstatus = ["5.7.1", "5.7.2"]\ndiagnostic = "(?i)spam"\ngroup = "spam_detected"\n',
     "n.shadowed", "the earlier rule 'n.first'"),
]


@pytest.mark.parametrize("text,rule_id,words", NEVER, ids=[n[1] for n in NEVER])
def test_rules_that_can_never_match_are_errors(text: str, rule_id: str, words: str) -> None:
    with pytest.raises(RuleError) as info:
        RuleSet.from_toml(text, source="mine.toml")
    message = str(info.value)
    assert f"{rule_id!r} (mine.toml, line" in message and words in message, message


def test_a_narrower_rule_before_a_wider_one_is_fine() -> None:
    rules = RuleSet.from_toml('[[rule]]\nid = "w.narrow"\nstatus = "5.7.1"\ndiagnostic = "(?i)spam"\ngroup = "spam_detected"\n'
                              '[[rule]]\nid = "w.wide"\nstatus = "5.7.*"\ngroup = "blocked"\n')
    assert len(rules) == 2


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[rule]]\nid = "b.regex"\ndiagnostic = "(?i)quota (exceeded"\ngroup = "mailbox_full"\n\n'
                    '[[rule]]\nid = "b.group"\nstatus = "5.2.2"\ngroup = "mailbox_fool"\n\n'
                    '[[rule]]\nid = "b.key"\nstatus = "5.2.2"\nstatuss = "5.2.2"\ngroup = "mailbox_full"\n',
                    encoding="utf-8")
    with pytest.raises(RuleError) as info:
        RuleSet.from_file(path)
    assert len(info.value.problems) == 3
    for rule_id, line in (("b.regex", 1), ("b.group", 6), ("b.key", 11)):
        assert any(f"{rule_id!r} ({path}, line {line})" in p for p in info.value.problems), info.value.problems


def test_unknown_format_names_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "fmt.toml"
    path.write_text('[[rule]]\nid = "f.typo"\nformat = "rfc3646"\nstatus = "5.1.1"\ngroup = "filtered"\n',
                    encoding="utf-8")
    with pytest.raises(RuleError, match=r"'f.typo' \(.*fmt.toml, line 1\) names unknown formats: rfc3646"):
        load_rules([path], plugins=False)
    path.write_text('[[rule]]\nid = "f.ok"\nformat = "rfc3464"\nstatus = "5.1.1"\ngroup = "filtered"\n',
                    encoding="utf-8")
    assert_classified(bounce(status="5.1.1", rules=load_rules([path], plugins=False)), rule="f.ok")


def test_broken_file_exits_2_before_reading_any_mail(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[rule]]\nid = "acme.bad-regex"\ngroup = "mailbox_full"\ndiagnostic = "(?i)acme (quota"\n\n'
                    '[[rule]]\nid = "acme.bad-group"\ngroup = "mailbox_fool"\nstatus = "5.2.2"\n', encoding="utf-8")
    missing_mail = tmp_path / "does-not-exist.eml"  # reading it would print a path error: it must not be read
    for argv in (("rules", "check", str(path)),
                 ("classify", "--no-plugins", "--rules", str(path), str(missing_mail)),
                 ("explain", "--no-plugins", "--rules", str(path), str(missing_mail))):
        code, out, err = run(*argv)
        assert code == 2 and out == "", argv
        assert f"'acme.bad-regex' ({path}, line 1)" in err and "does not compile" in err
        assert f"'acme.bad-group' ({path}, line 6)" in err and "unknown group 'mailbox_fool'" in err
        assert "does-not-exist" not in err


def test_rules_check_ok_line(acme_file: Path) -> None:
    code, out, err = run("rules", "check", "--no-plugins", str(acme_file))
    assert (code, err) == (0, "")
    assert out == f"OK: 1 rule in 1 file; the effective table has {len(RuleSet.builtin()) + 1} rules.\n"


def test_rules_list_jsonl(acme_file: Path) -> None:
    code, out, _ = run("rules", "list", "--no-plugins", "--format", "jsonl", "--rules", str(acme_file))
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0] == {"id": "acme.relay-quota", "source": str(acme_file), "line": 1,
                       "conditions": {"diagnostic": "(?i)acme relay: quota exceeded"}, "group": "mailbox_full",
                       "hard": False}
    assert {r["source"] for r in rows[1:]} == {"builtin"}


# --- explain ---------------------------------------------------------------------------------------------


def test_explain_lists_partly_matching_rules_and_counts_the_rest() -> None:
    rules = RuleSet.from_toml(
        '[[rule]]\nid = "p.code-only"\nstatus = "5.2.2"\ndiagnostic = "(?i)over quota"\ngroup = "mailbox_full"\n'
        '[[rule]]\nid = "p.nothing"\nreply_code = "421"\ngroup = "rate_limited"\n'
        '[[rule]]\nid = "p.host"\nremote_mta = "(?i)acme"\ngroup = "filtered"\n', source="p.toml")
    report = bounce(status="5.2.2", reply_code="552", diagnostic="mailbox is full", remote_mta="mx.acme.example",
                    rules=rules)
    text = report.explain()
    assert "3 of 3 tried; 1 skipped (no condition held), 1 partly matched" in text
    assert "- p.code-only (p.toml, line 1) -> mailbox_full: status 5.2.2 is 5.2.2; diagnostic does not match" in text
    assert "p.nothing" not in text
    assert "matched:    p.host (p.toml, line 10) -> filtered, soft" in text
    assert "remote_mta '(?i)acme': mx.[[acme]].example" in text
    assert "\x1b[" not in text and "\x1b[1;32macme\x1b[0m" in report.explain(color=True)


def test_explain_without_match_and_non_bounce() -> None:
    rules = RuleSet.from_toml('[[rule]]\nid = "q.x"\nreply_code = "421"\ngroup = "rate_limited"\n')
    text = bounce(status="5.1.1", rules=rules).explain()
    assert "matched:    no rule; fallback -> undefined" in text
    report = bouncekit.parse(b"From: a@example.com\r\nSubject: hello\r\n\r\nJust a note.\r\n")
    assert report.explain().startswith("Not a bounce")


def test_report_stays_frozen_and_comparable() -> None:
    one = bounce(status="5.1.1", diagnostic="no such user")
    two = bouncekit.parse(make_bounce(status="5.1.1", diagnostic="no such user"), rules=load_rules(plugins=False))
    assert one == two, "the rule table and the evidence kept for explain() do not take part in equality"
    with pytest.raises(AttributeError):
        one.rules = None  # type: ignore[misc]
    assert "evidence" not in one.deliveries[0].to_dict()


# --- safety: pattern timeouts ----------------------------------------------------------------------------

CATASTROPHIC = '[[rule]]\nid = "slow.one"\ndiagnostic = "(a|aa)+$"\ngroup = "filtered"\n'


def test_a_user_pattern_that_runs_out_of_time_is_an_error_for_that_message() -> None:
    slow = RuleSet.from_toml(CATASTROPHIC, source="slow.toml", timeout=0.05)
    table = RuleSet.builtin().with_user_rules(slow)
    report = bouncekit.parse(make_bounce(diagnostic="a" * 40 + "!", recipient="x@example.com"), rules=table)
    assert report.is_bounce and len(report.deliveries) == 1
    delivery = report.deliveries[0]
    assert (delivery.recipient, delivery.group, delivery.rule) == ("x@example.com", Group.UNDEFINED, None)
    assert len(report.errors) == 1
    assert "x@example.com was left unclassified" in report.errors[0]
    assert "'slow.one' (slow.toml, line 1) ran out of time" in report.errors[0]
    # the next message is classified normally
    assert_classified(bounce(diagnostic="acme: no such user", status="5.1.1", rules=table), rule="status.X.1.1")


def test_timeout_reaches_the_cli_error_field(tmp_path: Path) -> None:
    slow = RuleSet.from_toml(CATASTROPHIC, source="slow.toml", timeout=0.05)
    table = RuleSet.builtin().with_user_rules(slow)
    mail = tmp_path / "m.eml"
    mail.write_bytes(make_bounce(diagnostic="a" * 40 + "!"))
    rows = [r.to_dict() for r in bouncekit.classify_paths([mail], rules=table)]
    assert len(rows) == 1 and "ran out of time" in rows[0]["error"]


def test_builtin_patterns_run_without_time_limit_and_user_ones_with_one() -> None:
    assert all(r.timeout is None for r in RuleSet.builtin())
    assert RuleSet.from_toml(ACME)["acme.relay-quota"].timeout == 0.5


# --- the literal prefilter gives the same results as the regex alone ----------------------------------------

LITERAL_CASES = [
    ("(?i)acme relay: quota exceeded", "acme relay: quota exceeded", True),
    (r"\bmailbox\s+full\b", "mailbox", False),
    (r"abc?de", None, False),
    (r"(?i)x{2}yyy", "yyy", True),
    (r"(?i)user (?:unknown|not found)|no such user", None, False),
    (r"(?i)foo\.bar baz+q", "foo.bar baz", True),
    (r"abc(?i)DEF", None, False),
    ("(?x) a b c d", None, False),
]


@pytest.mark.parametrize("pattern,literal,fold", LITERAL_CASES, ids=[c[0] for c in LITERAL_CASES])
def test_required_literal(pattern: str, literal: str | None, fold: bool) -> None:
    found = required_literal(regex.compile(pattern))
    assert found == ((literal, fold) if literal is not None else None)


def test_prefilter_never_changes_a_decision() -> None:
    """Every pattern of the built-in table, on every diagnostic of the CASES and variants: prefilter + regex
    gives the same answer as the regex alone."""
    from test_rules import CASES

    texts = [c.diagnostic for c in CASES]
    texts += [t.upper() for t in texts] + [t.replace("s", "\u017f") for t in texts] + ["", "K\u212a"]
    patterns = [r.diagnostic for r in RuleSet.builtin() if r.diagnostic]
    patterns += ["(?i)kk", "(?i)ssss", "(?i)ss", "exact Case", "(?i)acme relay: quota exceeded"]
    for i, pattern in enumerate(patterns):
        rule = Rule(id=f"t.{i}", diagnostic=pattern, group="filtered", timeout=None)
        compiled = regex.compile(pattern)
        for text in texts:
            ev = Evidence(recipient=None, diagnostic=text)
            assert rule.matches(ev) is (compiled.search(text) is not None), (pattern, text)


def test_generated_rules_do_not_change_corpus_results() -> None:
    """The benchmark's 1,000 generated rules load, validate and decide nothing on the CASES."""
    spec = importlib.util.spec_from_file_location("rules_overhead", ROOT / "benchmarks" / "rules_overhead.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    text = bench.generate_rules(1000, random.Random(5))
    user = RuleSet.from_toml(text, source="generated.toml")
    diagnostics = [r.diagnostic for r in user if r.diagnostic]
    assert len(user) == 1000 and len(diagnostics) == len(set(diagnostics)) == 900
    table = RuleSet.builtin().with_user_rules(user)
    from test_rules import CASES

    for case in CASES:
        assert table.decide(case.evidence()) == RuleSet.builtin().decide(case.evidence()), case.diagnostic


def test_no_rule_plugin_is_left_installed() -> None:
    """tests/test_rule_plugins.py installs its package in a temporary directory and removes it again."""
    from bouncekit.rules import load_plugins

    assert not any(p.name.startswith("acme") for p in load_plugins())
    assert not any("bouncekit_acme_rules" in path for path in __import__("sys").path)


def test_docs_rules_example_is_the_issue_example_and_its_output_is_current(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """docs/rules.md: the first TOML block is the acme rule; the explain transcript is what explain prints."""
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    block = regex.search(r"```toml\n(.*?)```", doc, regex.DOTALL)
    assert block is not None and block.group(1) == ACME
    (tmp_path / "acme.toml").write_text(block.group(1), encoding="utf-8")
    (tmp_path / "bounce.eml").write_bytes((ROOT / "tests" / "rule_samples" / "acme-quota.eml").read_bytes())
    monkeypatch.chdir(tmp_path)
    for command in ("rules check acme.toml", "explain --rules acme.toml bounce.eml"):
        code, out, err = run(*command.split(), "--no-plugins", "--color", "never") if command.startswith("explain") \
            else run(*command.split(), "--no-plugins")
        assert code == 0, err
        transcript = regex.search(rf"    \$ bouncekit {regex.escape(command)}\n((?:    (?!\$ ).*\n|\n(?=    (?!\$ )))+)", doc)
        assert transcript is not None, command
        expected = "\n".join(line[4:] for line in transcript.group(1).rstrip("\n").splitlines()) + "\n"
        assert out == expected

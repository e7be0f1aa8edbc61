"""The rule engine's literal prefilter (``required_pieces``) never skips a pattern that would match."""

from __future__ import annotations

import random

import pytest
import regex

from bouncekit.rules import RuleSet
from bouncekit.rules.engine import required_pieces


@pytest.mark.parametrize(
    ("pattern", "pieces"),
    [
        (r"(?i)user unknown", ("user unknown",)),
        (r"(?i)no such (?:user|mailbox)", ("no such ",)),
        (r"(?ix) mail\ ?box\ full | over\ ?quota", ("box full", "quota")),
        (r"(?i)(?:abc)+x?|de(?:fgh){1,3}", ("abc", "fgh")),
        (r"(?i)宛先不明", ()),  # needs a non-ASCII letter: no ASCII text matches
        (r"(?i)宛先不明|user", ("user",)),
        (r"(?i)\bDNS:NR\b", ("dns:nr",)),
    ],
)
def test_required_pieces(pattern: str, pieces: tuple[str, ...]) -> None:
    assert required_pieces(regex.compile(pattern)) == pieces


@pytest.mark.parametrize(
    "pattern",
    [r"a?b*c{0,2}", r"(?V1)abc", r"(?f)strasse", r"\p{L}+abc", r"abc|.*", r"x{1,2,3}abc", r"(?i)\Kelvin|k"],
)
def test_required_pieces_unsure(pattern: str) -> None:
    found = required_pieces(regex.compile(pattern))
    assert found is None or all(p.isascii() for p in found)
    if pattern in (r"a?b*c{0,2}", r"(?V1)abc", r"(?f)strasse", r"abc|.*", r"x{1,2,3}abc"):
        assert found is None


def test_non_ascii_letters_that_match_ascii_ones_are_not_trusted() -> None:
    # KELVIN SIGN matches "k" ignoring case: the branch needs no piece we can check
    assert required_pieces(regex.compile("(?i)\u212aelvin")) != ()
    assert regex.search("(?i)\u212aelvin", "kelvin")


def _texts() -> list[str]:
    rng = random.Random(6)
    words: list[str] = []
    for rule in RuleSet.builtin():
        if rule.diagnostic:
            words += regex.findall(r"[A-Za-z0-9.:#_'@-]+", rule.diagnostic.replace("\\ ", " "))
    texts = []
    for _ in range(3000):
        texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))))
    return texts


def test_prefilter_is_sound_on_the_builtin_table() -> None:
    """For every built-in pattern and many texts: no piece in the text => no match."""
    texts = _texts()
    for rule in RuleSet.builtin():
        if rule._diagnostic_re is None:
            continue
        pieces = required_pieces(rule._diagnostic_re)
        if pieces is None:
            continue
        for text in texts:
            lower = text.lower()
            if not any(p in lower for p in pieces):
                assert rule._diagnostic_re.search(text) is None, (rule.id, text)


def test_split_branches_search_like_the_whole_pattern() -> None:
    """Searching the alternatives alone (only those whose pieces are present) says yes exactly when
    the whole pattern does."""
    from bouncekit.rules.engine import split_branches

    texts = _texts()
    for rule in RuleSet.builtin():
        if rule._diagnostic_re is None:
            continue
        branches = split_branches(rule._diagnostic_re)
        if branches is None:
            continue
        for text in texts:
            lower = text.lower()
            alone = any((pieces is None or any(p in lower for p in pieces)) and compiled.search(text) is not None
                        for compiled, pieces in branches)
            assert alone == (rule._diagnostic_re.search(text) is not None), (rule.id, text)


@pytest.mark.parametrize(("pattern", "count"), [
    (r"(?i)abc|def", 2), (r"(?ix) a\ b | [|(] c | \| d  # x|y", 3), (r"abc", None), (r"(a|b)c", None),
    (r"(a)|\1b", None), (r"(?i)[]|]x|y", 2),
])
def test_split_branches_cuts(pattern: str, count: int | None) -> None:
    from bouncekit.rules.engine import split_branches

    got = split_branches(regex.compile(pattern))
    assert (None if got is None else len(got)) == count


def _non_ascii_texts() -> list[str]:
    """Texts of the rules' words with letters swapped for the non-ASCII ones that case-insensitive
    matching equates with ASCII letters, and words of other scripts."""
    from bouncekit._prefilter import ASCII_FOLDS

    rng = random.Random(7)
    swaps = {letter: char for char, letter in ASCII_FOLDS.items()}
    swaps["i"] = rng.choice(["\u0130", "\u0131"])
    out = []
    for text in _texts()[:1500]:
        chars = list(text)
        for i, ch in enumerate(chars):
            if ch.lower() in swaps and rng.random() < 0.3:
                chars[i] = swaps[ch.lower()] if ch.lower() != "i" else rng.choice(["\u0130", "\u0131"])
        out.append("".join(chars) + rng.choice([" 宛先不明", " \u00fcber", "", " Получатель не найден"]))
    return out


def test_match_is_the_first_rule_that_matches_on_non_ascii_texts() -> None:
    """The prefilter is not used on these (a branch may need a non-ASCII letter, as 宛先不明 does):
    the table's order decides, as the rules' own tests say."""
    from bouncekit.model import Evidence

    rules = RuleSet.builtin()
    rng = random.Random(8)
    checked = 0
    for text in _non_ascii_texts()[:600]:
        ev = Evidence(recipient="a@example.com", action="failed", status=rng.choice([None, "5.1.1", "5.7.1", "4.2.2"]),
                      reply_code=rng.choice([None, "550", "452"]), diagnostic=text,
                      remote_mta=rng.choice([None, "mx.example.com", "mail.protection.outlook.com"]))
        slow = next((rule for rule in rules if rule.matches(ev)), None)
        assert rules.match(ev) is slow, text
        checked += slow is not None
    assert checked > 300


def _pieces_of_table(rules: RuleSet) -> frozenset[str]:
    from bouncekit.rules.engine import _pieces_of

    return frozenset(piece for rule in rules if rule._diagnostic_re is not None
                     for piece in _pieces_of(rule._diagnostic_re) or ())


@pytest.mark.parametrize("pieces", [
    {"a"}, {"a", "ab", "abc"}, {"ab", "b", "bc", "abcd"}, {"user", "user unknown", "unknown", "known", "n"},
    {"x.y", "(", "*", "a|b", "\\d"}, {"550", "5.5.0", "55", "0"},
])
def test_piece_scanner_on_overlapping_pieces(pieces: set[str]) -> None:
    from bouncekit.rules.engine import _PieceScanner

    scanner = _PieceScanner(pieces)
    rng = random.Random(len(pieces))
    alphabet = "".join(sorted(set("".join(pieces)))) + " z"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert scanner.present(text) == {p for p in pieces if p in text}, text


def test_piece_scanner_on_the_builtin_table() -> None:
    """The pieces found in one pass are those a substring search finds, one by one."""
    from bouncekit.rules.engine import _PieceScanner

    pieces = _pieces_of_table(RuleSet.builtin())
    scanner = _PieceScanner(pieces)
    rng = random.Random(10)
    fragments = sorted(pieces)
    texts = [text.lower() for text in _texts()]
    for _ in range(3000):  # pieces glued to each other and cut
        text = "".join(rng.choice(fragments) for _ in range(rng.randint(1, 8)))
        start = rng.randrange(len(text))
        texts.append(text[start:start + rng.randint(0, 120)])
    found = 0
    for text in texts:
        got = scanner.present(text)
        assert got == {p for p in pieces if p in text}, text
        found += len(got)
    assert len(pieces) > 300 and found > 10000


def test_match_is_the_first_rule_that_matches_on_ascii_texts() -> None:
    """match()'s shortcuts (the facts' plan, the pieces found in one pass, runs of rules passed at
    once, the split alternations) give the first rule of the table whose conditions hold."""
    from bouncekit.model import Evidence

    rules = RuleSet.builtin()
    rng = random.Random(11)
    checked = 0
    for text in _texts()[:2000]:
        ev = Evidence(recipient="a@example.com", action=rng.choice(["failed", "delayed"]),
                      status=rng.choice([None, "5.1.1", "5.7.1", "4.2.2", "5.0.0"]),
                      reply_code=rng.choice([None, "550", "452", "554"]), diagnostic=text,
                      remote_mta=rng.choice([None, "mx.example.com", "mail.protection.outlook.com"]))
        fmt = rng.choice([None, "postfix", "gmail", "exim"])
        slow = next((rule for rule in rules if rule.matches(ev, fmt)), None)
        assert rules.match(ev, fmt) is slow, text
        checked += slow is not None
    assert checked > 1000

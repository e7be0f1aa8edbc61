"""``bouncekit.codes``: finding reply codes and enhanced status codes in the words servers send."""

from __future__ import annotations

import re

import pytest

from bouncekit import codes

# (text, enhanced status expected from find_status, reply code expected from find_reply_code)
CASES = [
    # the two shapes of a server reply line
    ("550-5.1.1 The email account that you tried to reach does not exist.", "5.1.1", "550"),
    ("550 5.1.1 <a@example.com>: Recipient address rejected: User unknown", "5.1.1", "550"),
    ("smtp; 550 5.1.1 user unknown", "5.1.1", "550"),
    ("452 4.2.2 Over quota", "4.2.2", "452"),
    ("421-4.7.0 Our system has detected an unusual rate of unsolicited mail", "4.7.0", "421"),
    ("550 Requested action not taken: mailbox unavailable", None, "550"),
    ("5.1.1", "5.1.1", None),
    # wrapped in MTA words
    ("host mx.example.net[192.0.2.1] said: 550 5.7.1 Message rejected", "5.7.1", "550"),
    ("Remote host said: 550 5.1.1 <jack@example.net>... No such user here", "5.1.1", "550"),
    ("SMTP error from remote mail server after RCPT TO:<a@example.net>: 550 5.1.1 unknown", "5.1.1", "550"),
    ("error 552: message too large", None, "552"),
    ("the server's reply was 554", None, "554"),
    ("reason: 421 4.4.2 connection dropped", "4.4.2", "421"),
    ("Error: 4.4.7 message expired in queue", "4.4.7", None),
    ("dsn=5.1.1, status=bounced (host said: user unknown)", "5.1.1", None),
    # codes next to IP addresses, which must not be read as codes
    ("Connection to 192.0.2.1 failed", None, None),
    ("IP 192.0.2.123 is listed on a block list", None, None),
    ("554 5.7.1 Service unavailable; Client host [192.0.2.33] blocked using bl.example.org", "5.7.1", "554"),
    ("421-4.7.0 [198.51.100.9 15] unusual rate of mail", "4.7.0", "421"),
    ("connect to mx.example.org[198.51.100.7]:25: Connection timed out", None, None),
    ("host 2001:db8::25 said 550 5.1.1 no such user", "5.1.1", "550"),
    # dates and times
    ("received 2014.06.21 from 198.51.100.5", None, None),
    ("at 12:34:56 on 2014-06-21", None, None),
    ("the mailbox was closed on 21.06.2014", None, None),
    ("queued on 06/21/14 and never sent", None, None),
    # version strings
    ("by relay.example.org (Sendmail/8.14.4) 550 user unknown", None, "550"),
    ("Exim 4.92 said the address was fine", None, None),
    ("Exim 4.92.1 (Debian) on mx.example.org", None, None),
    ("Postfix 3.5.6 said 450 4.1.8 sender domain not found", "4.1.8", "450"),
    ("upgraded to v2.0.3 yesterday", None, None),
    # qmail style
    ("Sorry, no mailbox here by that name. (#5.1.1)", "5.1.1", None),
    ("This message is looping: it already has my Delivered-To line. (#5.4.6)", "5.4.6", None),
    ("Sorry, I couldn't find any host named example.invalid. (#5.1.2)", "5.1.2", None),
    ("(#5.5.0)", "5.5.0", None),
    ("#4.3.0 temporary failure", "4.3.0", None),
    # a specific code beats a generic one
    ("5.0.0 something else, then 5.1.1 the real reason", "5.1.1", None),
    ("Status: 5.0.0 (permanent failure) 550 5.2.2 mailbox full", "5.2.2", "550"),
    ("5.0.0 only a generic code", "5.0.0", None),
    # multi-digit subject and detail (Microsoft, Gmail): statuses, not dates
    ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found", "5.1.10", "550"),
    ("550-5.7.26 Unauthenticated email from example.com is not accepted", "5.7.26", "550"),
    ("550 5.4.300 Message expired", "5.4.300", "550"),
    ("status 5.2.2 mailbox full", "5.2.2", None),
    # not codes
    ("Hello, this is plain text about version 1.2 and nothing else", None, None),
    ("5.1.1.1 is not a status code", None, None),
    ("1.5.1.1 is not one either", None, None),
    ("6.1.1 has no such class", None, None),
    ("the quote was 5500 dollars and 5.55 cents", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("text", "status", "reply"), CASES, ids=[c[0][:40] or "empty" for c in CASES])
def test_find_codes(text: str, status: str | None, reply: str | None) -> None:
    assert codes.find_status(text) == status
    assert codes.find_reply_code(text) == reply


def test_cases_are_plentiful() -> None:
    assert len(CASES) >= 30
    assert any(s for _, s, _ in CASES) and any(s is None for _, s, _ in CASES)


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("from 192.0.2.1 at 2014.06.21", ["192.0.2.1", "2014.06.21"], ["from", "at"]),
        ("Sendmail/8.14.4 and Exim 4.92.1 said", ["8.14.4", "4.92.1"], ["said"]),
        ("550 5.1.1 at 10:22:33 from [198.51.100.5]:25", ["10:22:33", "198.51.100.5"], ["550 5.1.1"]),
        ("host said 5.1.1 v2.0.3", ["v2.0.3"], ["said 5.1.1"]),
    ],
)
def test_mask_noise(text: str, hidden: list[str], kept: list[str]) -> None:
    masked = codes.mask_noise(text)
    assert len(masked) == len(text), "masking keeps positions"
    for word in hidden:
        assert word not in masked
        start = text.index(word)
        assert masked[start:start + len(word)].strip() == ""
    for word in kept:
        assert word in masked


def test_find_statuses_in_order() -> None:
    assert codes.find_statuses("4.0.0 first, 5.1.1 then 5.2.2; 192.0.2.1 never") == ["4.0.0", "5.1.1", "5.2.2"]
    assert codes.find_statuses("no dots here") == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [("5.1.1", True), ("4.7.26", True), ("2.0.0", True), ("5.1", False), ("3.1.1", False), ("x.1.1", False),
     ("", False), (None, False)],
)
def test_is_status(code: str | None, expected: bool) -> None:
    assert codes.is_status(code) is expected


@pytest.mark.parametrize(
    ("status", "reply", "expected"),
    [("5.1.1", "550", True), ("4.2.2", "452", True), ("4.2.2", "550", False), ("5.7.1", "421", False),
     (None, "550", True), ("5.1.1", None, True)],
)
def test_consistent(status: str | None, reply: str | None, expected: bool) -> None:
    assert codes.consistent(status, reply) is expected


def test_generic_codes_are_refinable() -> None:
    assert codes.is_generic("5.0.0") and codes.is_generic("4.0.0")
    assert not codes.is_generic("5.1.1")


# The forms the code patterns had before they began with the first digit (see bouncekit/codes.py).
_LOOKBEHIND_FIRST = {
    "_STATUS": (r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)", 0),
    "_REPLY_WITH_STATUS": (r"(?<![\w.#:/-])([245][0-5]\d)[ \-]+[(\[]?[245]\.\d{1,3}\.\d{1,3}", 0),
    "_REPLY_LOOSE": (r"(?:^|(?<=[\s:;(\[\"']))([245][0-5]\d)(?=[ \-][A-Za-z<#(\[]|$)", re.MULTILINE),
}


@pytest.mark.parametrize("name", sorted(_LOOKBEHIND_FIRST))
def test_digit_first_patterns_find_what_the_lookbehind_first_ones_found(name: str) -> None:
    import random
    from pathlib import Path

    pattern, flags = _LOOKBEHIND_FIRST[name]
    slow, fast = re.compile(pattern, flags), getattr(codes, name)
    rng = random.Random(name)
    pieces = ["550", "5.1.1", " ", "-", "(", "[", "\n", ":", "a", "x2", "250 ", "452-", "4.2.2", ".", "#", "/", '"', "'",
              ";", "\t", "\u3000", "550A", "5", "55", "_", "\u00e9", "2.0.0.1", "4.7.1"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 15))) for _ in range(20000)]
    corpus = Path(__file__).resolve().parents[1] / "fixtures"
    texts += [path.read_text("utf-8", "replace") for path in sorted(corpus.rglob("*.eml"))]
    found = 0
    for text in texts:
        got = [(m.span(), m.groups()) for m in fast.finditer(text)]
        assert got == [(m.span(), m.groups()) for m in slow.finditer(text)], text[:200]
        found += bool(got)
    assert found > 500

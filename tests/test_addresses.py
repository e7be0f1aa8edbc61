"""``bouncekit.addresses``: normalising the addresses that decoders pull out of bounces."""

from __future__ import annotations

import pytest

from bouncekit.addresses import find_addresses, normalize

CASES = [
    # wrappings bounces put around an address
    ("<alice@example.com>", "alice@example.com"),
    ("  <alice@example.com>  ", "alice@example.com"),
    ("Alice Example <alice@example.com>", "alice@example.com"),
    ("rfc822; alice@example.com", "alice@example.com"),
    ("RFC822;<alice@example.com>", "alice@example.com"),
    ("rfc822;alice@example.com", "alice@example.com"),
    ("smtp=alice@example.com", "alice@example.com"),
    ("SMTP:alice@example.com", "alice@example.com"),
    ("mailto:alice@example.com", "alice@example.com"),
    ("'alice@example.com'", "alice@example.com"),
    ('"alice@example.com",', "alice@example.com"),
    ("(alice@example.com)", "alice@example.com"),
    ("alice@example.com.", "alice@example.com"),
    # the domain is case folded, the local part is not (it may be case sensitive)
    ("alice@EXAMPLE.COM", "alice@example.com"),
    ("Alice.Smith@Example.Org", "Alice.Smith@example.org"),
    # internationalised domains: Unicode stays Unicode (case folded), punycode stays punycode
    ("user@bücher.example", "user@bücher.example"),
    ("user@BÜCHER.example", "user@bücher.example"),
    ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example"),
    ("user@XN--BCHER-KVA.example", "user@xn--bcher-kva.example"),
    ("utf-8; δοκιμή@example.org", "δοκιμή@example.org"),
    # quoted local parts are kept as written
    ('"john doe"@example.com', '"john doe"@example.com'),
    ('<"john doe"@example.com>', '"john doe"@example.com'),
    ('rfc822; "john..doe"@Example.COM', '"john..doe"@example.com'),
    # special-use domains and odd local parts that real bounces carry
    ("nobody@no-such-host.invalid", "nobody@no-such-host.invalid"),
    ("x@printer.local", "x@printer.local"),
    ("root@localhost.localdomain", "root@localhost.localdomain"),
    ("a..b@example.jp", "a..b@example.jp"),
    (".a@example.org", ".a@example.org"),
    # junk
    ("", None),
    ("junk", None),
    ("<>", None),
    ("@example.com", None),
    ("alice@", None),
    ("alice@@example.com", None),
    ("alice smith@example.com", None),
    ('"a b"@exa mple.com', None),
    ("alice@-bad-.example.com", None),
    ("alice@exa_mple..com", None),
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_normalize(raw: str, expected: str | None) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    for _, expected in CASES:
        if expected is not None:
            assert normalize(expected) == expected


def test_find_addresses_in_text() -> None:
    text = ("<alice@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1 <alice@example.com>... "
            "User unknown; also bob@EXAMPLE.org and ALICE@example.com, not user@@x or 198.51.100.3")
    assert find_addresses(text) == ["alice@example.com", "bob@example.org"]
    assert find_addresses("no address at all, just an @ sign") == []

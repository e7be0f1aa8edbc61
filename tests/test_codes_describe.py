"""Every RFC 3463 / IANA enhanced status code and every RFC 5321 reply code has a description."""

from __future__ import annotations

import io

import pytest

from bouncekit.cli import main
from bouncekit.codes import describe, lookup

# RFC 3463 section 3, subject.detail, typed in from the RFC's list (not from the table under test).
RFC3463 = [
    "0.0",
    "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8",
    "2.0", "2.1", "2.2", "2.3", "2.4",
    "3.0", "3.1", "3.2", "3.3", "3.4", "3.5",
    "4.0", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7",
    "5.0", "5.1", "5.2", "5.3", "5.4", "5.5",
    "6.0", "6.1", "6.2", "6.3", "6.4", "6.5",
    "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7",
]
# Added to the IANA registry (set up by RFC 5248) by later RFCs.
IANA_LATER = {
    "1.9": "RFC 3886", "1.10": "RFC 7505", "3.6": "RFC 6710", "5.6": "RFC 4954", "6.6": "RFC 4468",
    "6.7": "RFC 6531", "6.8": "RFC 6531", "6.9": "RFC 6531", "6.10": "RFC 6531",
    "7.8": "RFC 4954", "7.9": "RFC 4954", "7.10": "RFC 5248", "7.11": "RFC 4954", "7.12": "RFC 4954",
    "7.13": "RFC 5248", "7.14": "RFC 5248", "7.15": "RFC 6710", "7.16": "RFC 6710", "7.17": "RFC 7293",
    "7.18": "RFC 7293", "7.19": "RFC 7293", "7.20": "RFC 7372", "7.21": "RFC 7372", "7.22": "RFC 7372",
    "7.23": "RFC 7372", "7.24": "RFC 7372", "7.25": "RFC 7372", "7.26": "RFC 7372", "7.27": "RFC 7505",
    "7.28": "RFC 8249", "7.29": "RFC 8617", "7.30": "RFC 8689",
}
# RFC 5321 section 4.2.3.
RFC5321 = ["211", "214", "220", "221", "250", "251", "252", "354", "421", "450", "451", "452", "455",
           "500", "501", "502", "503", "504", "550", "551", "552", "553", "554", "555"]


@pytest.mark.parametrize("cls", "245")
@pytest.mark.parametrize("code", RFC3463)
def test_rfc3463_codes(cls, code):
    info = lookup(f"{cls}.{code}")
    assert info.registered and info.kind == "enhanced" and info.title and info.text.endswith(".")
    assert info.outcome == {"2": "success", "4": "temporary failure", "5": "permanent failure"}[cls]


@pytest.mark.parametrize("code, source", sorted(IANA_LATER.items()))
def test_iana_registry_additions(code, source):
    info = lookup(f"5.{code}")
    assert info.registered and source in info.source


@pytest.mark.parametrize("code", RFC5321)
def test_rfc5321_reply_codes(code):
    info = lookup(code)
    assert info.registered and info.kind == "reply" and info.source == "RFC 5321"


def test_unregistered_and_malformed():
    assert not lookup("5.1.99").registered and "addressing" in describe("5.1.99")
    assert lookup("5.01.001").code == "5.1.1"
    assert not lookup("559").registered
    for bad in ("600", "5.1", "abc", "", "3.1.1", "597"):
        with pytest.raises(ValueError):
            lookup(bad)


def test_describe_text():
    assert describe("5.1.1").startswith("Bad destination mailbox address")
    assert "temporary failure" in describe("4.2.2")


def test_codes_command():
    out = io.StringIO()
    assert main(["codes", "5.1.1", "550", "4.7.0"], out=out) == 0
    text = out.getvalue()
    assert "Bad destination mailbox address" in text and "mailbox unavailable" in text
    assert "Other or undefined security status" in text
    assert main(["codes", "5.1.1", "nope"], out=io.StringIO(), err=io.StringIO()) == 2

"""Shortcuts of the hot path give exactly what the slow path they replace gives."""

from __future__ import annotations

import email
import email.policy
from email.message import Message
from pathlib import Path

import pytest

from bouncekit.mail import Mail, _field_block_bytes, raw_headers

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [ROOT / "fixtures", ROOT.parent / "shared" / "corpus" / "sisimai", ROOT.parent / "shared" / "corpus" / "flufl"]


def _messages() -> list[tuple[str, bytes]]:
    out = []
    for root in CORPORA:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix not in (".json", ".md", ".py", ".toml") and path.name != "LICENSE":
                out.append((str(path.relative_to(ROOT.parent)), path.read_bytes()))
    return out


MESSAGES = _messages()


def test_field_blocks_render_as_the_generator_does() -> None:
    checked = fast = 0
    for name, data in MESSAGES:
        mail = Mail.from_bytes(data)
        for part in mail.msg.walk():
            payload = part.get_payload()
            if not isinstance(payload, list) or part.get_content_maintype() == "multipart":
                continue
            for sub in payload:
                if not isinstance(sub, Message):
                    continue
                try:
                    slow = sub.as_bytes()
                except Exception:
                    slow = None
                got = _field_block_bytes(sub)
                checked += 1
                if got is not None:
                    fast += 1
                    assert got == slow, name
    assert checked > 100 and fast > checked // 2


@pytest.mark.parametrize("value", ["short", " lead", "trail  ", "trail ", "tab\there", "x" * 90,
                                   "a, b; c " * 12, "", "caf\u00e9", "raw \udce9 bytes",
                                   "folded\n continued"])
def test_field_block_edge_values(value: str) -> None:
    sub = Message(policy=email.policy.compat32)
    sub["Final-Recipient"] = value
    sub.set_payload("")
    got = _field_block_bytes(sub)
    try:
        slow = sub.as_bytes()
    except Exception:
        slow = None
    assert got is None or got == slow


def test_header_index_matches_raw_headers() -> None:
    for name, data in MESSAGES[:400]:
        mail = Mail.from_bytes(data)
        for key in {k for k in mail.msg.keys()} | {"X-Missing", "SUBJECT", "from"}:
            assert mail._raw_index.get(key.lower(), []) == raw_headers(mail.msg, key), (name, key)
            assert mail.has_header(key) == (mail.msg.get(key) is not None)

#!/usr/bin/env python3
"""Rebuild fixtures/mbox/sample.mbox (the quick start's sample) and its sidecar.

The sample is the concatenation of single-message fixtures, so its expectations are theirs:
run this again after one of those sidecars changes.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
PARTS = ["rfc3464/01", "text/01", "text/03", "office365/01", "gmail/01", "arf/01", "not-bounce/01"]


def main() -> None:
    chunks, messages = [], []
    for part in PARTS:
        raw = (ROOT / f"{part}.eml").read_bytes()
        # mboxrd: a body line starting with (quoted) "From " gains one ">"
        lines = [b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in raw.split(b"\n")]
        chunks.append(b"From MAILER-DAEMON Mon Mar  2 10:00:00 2026\n" + b"\n".join(lines).rstrip(b"\n") + b"\n\n")
        expected = json.loads((ROOT / f"{part}.expected.json").read_text(encoding="utf-8"))
        expected.pop("xfail", None)
        messages.append(expected)
    (ROOT / "mbox" / "sample.mbox").write_bytes(b"".join(chunks))
    (ROOT / "mbox" / "sample.expected.json").write_text(
        json.dumps({"messages": messages}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

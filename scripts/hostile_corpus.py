#!/usr/bin/env python3
"""Write a corpus of broken and hostile messages to a directory (nothing of it is checked in).

    python scripts/hostile_corpus.py OUTDIR [--full] [--seed N]

Two kinds of message, one file each (``NNN-kind.eml``):

- *synthetic* ones built from scratch: spam posing as bounces, truncated DSNs, charset lies, MIME
  nested 1000 deep, 10,000 sibling parts, 10,000 recipients (DSN and text), 100,000 header fields,
  a header folded over 100,000 lines, a 5 MB line, NUL bytes, headers without a body, a body
  without headers, random bytes, encoded-word bombs, boundary bombs, junk where addresses go,
  and a big attachment (3 MB; 50 MB with ``--full``);
- *mutants* of the real bounces in ``fixtures/``: truncated, bytes flipped, boundaries damaged,
  charsets lying, headers duplicated, fields blown up, NUL bytes and line ends mixed in.

``tests/test_hostile.py`` classifies the default corpus (over 200 messages, a few MB) and
``benchmarks/worst_case.py`` times it; ``--full`` adds the 50 MB message.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

HEAD = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
        b"To: sender@example.org\nSubject: Undelivered Mail Returned to Sender\n"
        b"Date: Mon, 6 May 2024 10:00:00 +0000\nMessage-ID: <bounce@mx.example.net>\n")


def _dsn(recipients: list[bytes], *, diag: Callable[[int], bytes] | None = None, boundary: bytes = b"BB") -> bytes:
    diag = diag or (lambda i: b"smtp; 550 5.1.1 user unknown")
    blocks = b"".join(b"Final-Recipient: rfc822; " + r + b"\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: "
                      + diag(i) + b"\n\n" for i, r in enumerate(recipients))
    return (HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\""
            + boundary + b"\"\n\n--" + boundary + b"\nContent-Type: text/plain\n\nDelivery failed.\n\n--" + boundary
            + b"\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" + blocks
            + b"--" + boundary + b"--\n")


def _nested(depth: int, kind: bytes = b"multipart/mixed") -> bytes:
    out = [HEAD, b"MIME-Version: 1.0\nContent-Type: " + kind + b"; boundary=b0\n\n"]
    for i in range(1, depth):
        out.append(b"--b%d\nContent-Type: %s; boundary=b%d\n\n" % (i - 1, kind, i))
    out.append(b"--b%d\nContent-Type: text/plain\n\n<deep@example.com>: 550 5.1.1 user unknown\n" % (depth - 1))
    out += [b"--b%d--\n" % i for i in range(depth - 1, -1, -1)]
    return b"".join(out)


def _nested_rfc822(depth: int) -> bytes:
    inner = b"From: a@example.com\nSubject: innermost\n\n550 5.1.1 <x@example.com> user unknown\n"
    for _ in range(depth):
        inner = HEAD + b"MIME-Version: 1.0\nContent-Type: message/rfc822\n\n" + inner
    return inner


def _attachment(size: int, rng: random.Random) -> bytes:
    raw = rng.randbytes(size * 3 // 4)
    return (HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=ZZ\n\n"
            b"--ZZ\nContent-Type: text/plain\n\n<big@example.com>: host mx.example.com[192.0.2.1] said: 552 5.3.4 "
            b"message too big\n--ZZ\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
            b"Final-Recipient: rfc822; big@example.com\nAction: failed\nStatus: 5.3.4\n\n--ZZ\n"
            b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(raw) + b"--ZZ--\n")


def synthetic(rng: random.Random, *, full: bool) -> Iterator[tuple[str, bytes]]:
    """(kind, bytes) of every synthetic message."""
    many = [b"user%d@example.com" % i for i in range(10_000)]
    yield "dsn-10000-recipients", _dsn(many)
    yield "dsn-10000-distinct-diagnostics", _dsn(many, diag=lambda i: b"smtp; 550 5.1.1 <user%d@example.com>: "
                                                  b"Recipient address rejected: " % i + b"mailbox unavailable " * 40)
    yield "text-10000-recipients", HEAD + b"\n" + b"".join(
        b"<user%d@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1 user unknown\n\n" % i
        for i in range(10_000))
    yield "to-10000-addresses", HEAD.replace(b"To: sender@example.org", b"To: " + b", ".join(many)) + b"\nfailed\n"
    for depth in (17, 100, 1000, 5000):
        yield f"mime-nested-{depth}", _nested(depth)
    yield "mime-nested-1000-digest", _nested(1000, b"multipart/digest")
    yield "rfc822-nested-200", _nested_rfc822(200)
    yield "rfc822-nested-1000", _nested_rfc822(1000)
    yield "mime-10000-parts", HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n" + b"".join(
        b"--XX\nContent-Type: text/plain\n\npart %d <p%d@example.com> 550 5.1.1\n" % (i, i) for i in range(10_000)) + b"--XX--\n"
    yield "mime-10000-dsn-parts", HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/report; boundary=XX\n\n" + b"".join(
        b"--XX\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; p%d@example.com\nStatus: 5.1.1\n\n" % i
        for i in range(10_000)) + b"--XX--\n"
    yield "headers-100000", HEAD + b"X-Junk: aaaaaaaa\n" * 100_000 + b"\n<u@example.com>: 550 5.1.1 user unknown\n"
    yield "received-50000", b"Received: from a by b; Mon, 6 May 2024 10:00:00 +0000\n" * 50_000 + HEAD + b"\nbody\n"
    yield "subject-folded-100000", HEAD.replace(b"Subject: ", b"X-Long: a\n" + b" folded\n" * 100_000 + b"Subject: ") + b"\nx\n"
    yield "subject-1mb", HEAD.replace(b"Subject: Undelivered", b"Subject: Undelivered" + b"x" * (1 << 20)) + b"\nx\n"
    yield "line-5mb", HEAD + b"\n<u@example.com>: 550 5.1.1 " + b"a" * (5 << 20) + b"\n"
    yield "line-5mb-ats", HEAD + b"\n<u@example.com>: 550 5.1.1 " + b"a@" * (5 << 19) + b"\n"
    yield "line-1mb-dots", HEAD + b"\n<u@example.com>: 550 " + b"a." * (1 << 19) + b"\n"
    yield "diag-1mb", _dsn([b"u@example.com"], diag=lambda i: b"smtp; 550 " + b"user unknown " * 80_000)
    yield "diag-spaces", _dsn([b"u@example.com"], diag=lambda i: b"smtp; 550" + b" " * 100_000 + b"x")
    yield "encoded-word-bomb", HEAD.replace(b"Subject: Undelivered", b"Subject: " + b"=?utf-8?b?w6k=?= " * 50_000) + b"\nx\n"
    yield "encoded-word-broken", HEAD.replace(b"Subject: Undelivered", b"Subject: =?utf-8?q?=ZZ=?= =?bogus?b?!!!?= =?utf-8?b?w6") + b"\nx\n"
    yield "param-bomb", HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; " + b"; ".join(
        b"p%d=v" % i for i in range(20_000)) + b"; boundary=XX\n\n--XX\n\nx\n--XX--\n"
    yield "boundary-100k", HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"" + b"b" * 100_000 + b"\"\n\nx\n"
    yield "boundary-empty", HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/report; boundary=\"\"\n\n--\nx\n----\n"
    yield "boundary-missing", HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status\n\n--X\nFinal-Recipient: rfc822; a@example.com\nStatus: 5.1.1\n--X--\n"
    yield "boundary-never-closed", _dsn([b"a@example.com"]).rsplit(b"--BB--", 1)[0] + b"--BB\nContent-Type: text/plain\n\n" + b"x\n" * 1000
    yield "nul-everywhere", bytes(b if i % 7 else 0 for i, b in enumerate(_dsn([b"nul@example.com"])))
    yield "nul-only", b"\x00" * 100_000
    yield "nul-in-headers", HEAD.replace(b": ", b":\x00 ") + b"\n550 5.1.1 <n@example.com>\x00 unknown\n"
    yield "empty", b""
    yield "newline-only", b"\n"
    yield "crlf-only", b"\r\n" * 1000
    yield "cr-only-100k", b"\r" * 100_000
    yield "headers-no-body", HEAD
    yield "headers-no-newline", HEAD.rstrip(b"\n")
    yield "header-no-colon", b"This is not a header\nSubject: x\n\n550 <a@example.com>\n"
    yield "body-no-headers", b"\n\n550 5.1.1 <a@example.com>: user unknown\n"
    yield "only-from-line", b"From MAILER-DAEMON Mon May  6 10:00:00 2024\n"
    yield "random-64k", rng.randbytes(65_536)
    yield "random-printable", bytes(rng.choice(b"abc@.<>:;= \n\t-\"'") for _ in range(65_536))
    yield "utf16-body", HEAD + b"Content-Type: text/plain; charset=utf-16\n\n" + "550 5.1.1 <ü@example.com> unknown".encode("utf-16")
    yield "charset-lie-latin1-as-utf8", HEAD + b"Content-Type: text/plain; charset=utf-8\n\n550 5.1.1 <a@example.com> Benutzer unbekannt \xe4\xf6\xfc\n"
    yield "charset-unknown", HEAD + b"Content-Type: text/plain; charset=x-no-such-charset\n\n550 5.1.1 <a@example.com> unknown\n"
    yield "charset-iso2022-broken", HEAD + b"Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B\xff\xfe550 <a@example.com>\n"
    yield "base64-garbage", HEAD + b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not base64 at all===\n"
    yield "qp-garbage", HEAD + b"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\n=4\n550 <a@example.com>\n"
    yield "cte-unknown", HEAD + b"Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode-ish\n\nbegin 644 x\n`\nend\n"
    yield "dsn-no-recipient", _dsn([b""])
    yield "dsn-junk-recipients", _dsn([b"not an address", b"<>", b"@@@", b"a@b@c", b"\"unterminated@example.com",
                                       b"<script>@example.com", b"a" * 500 + b"@example.com", b"x@" + b"d." * 200 + b"com"])
    yield "dsn-idn-and-quoted", _dsn([b"user@B\xc3\x9cCHER.example", b"\"john doe\"@Example.COM", b"USER@XN--BCHER-KVA.EXAMPLE"])
    yield "dsn-status-garbage", _dsn([b"a@example.com"], diag=lambda i: b"smtp; 999 9.9.9 " + b"5.1.1 " * 1000)
    yield "dsn-8bit-fields", _dsn([b"\xff\xfe@example.com", "δοκιμή@παράδειγμα.δοκιμή".encode()])
    yield "date-garbage", HEAD.replace(b"Date: Mon, 6 May 2024 10:00:00 +0000", b"Date: Mon, 99 Foo 99999999 99:99:99 +9999") + b"\nx\n"
    yield "date-overflow", HEAD.replace(b"Date: Mon, 6 May 2024 10:00:00 +0000", b"Date: 1 Jan 9999999999999999999999 00:00 +0000") + b"\nx\n"
    for i in range(10):  # spam that poses as a bounce: a bounce subject and sender, a sales pitch
        yield f"spam-as-bounce-{i}", (HEAD + b"Content-Type: text/html\n\n<html><body><p>Your mail could not be delivered!"
                                      b" Click <a href='http://phish.example/'>here</a> to release it from quarantine."
                                      + b" Verify your mailbox now: support@phish.example" * (i + 1) + b"</p></body></html>\n")
    yield "spam-fake-dsn", _dsn([b"victim@example.com"], diag=lambda i: b"smtp; 550 <a href=http://x.example>claim your prize</a>")
    yield "html-script-bomb", HEAD + b"Content-Type: text/html\n\n" + b"<script>" * 50_000 + b"550 <a@example.com>\n"
    yield "html-unclosed-tags", HEAD + b"Content-Type: text/html\n\n" + b"<a href='" * 50_000 + b"\n"
    yield "original-message-marker-bomb", HEAD + b"\n550 <a@example.com> unknown\n" + b"----- Original message -----\n" * 50_000
    yield "ndr-10000-markers", HEAD + b"\n" + b"The following addresses had permanent fatal errors\n" * 10_000
    yield "big-attachment", _attachment((50 if full else 3) << 20, rng)


# --- mutants of the fixtures --------------------------------------------------------------------

def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 50)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def _damage_boundaries(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(b"--") and rng.random() < 0.6:
            lines[i] = rng.choice([b"", line[:-2], line + b"--", b"--", line.replace(b"-", b"_"), line * 3])
        elif b"boundary=" in line.lower() and rng.random() < 0.5:
            lines[i] = rng.choice([line + b"x", line.split(b"=")[0] + b"=", line.replace(b"boundary", b"boundery")])
    return b"\n".join(lines)


def _charset_lie(data: bytes, rng: random.Random) -> bytes:
    lie = rng.choice([b"utf-16", b"utf-32", b"iso-2022-jp", b"x-bogus", b"", b"utf-8\x00", b"shift_jis", b"cp1252"])
    out = data
    for word in (b"us-ascii", b"utf-8", b"UTF-8", b"iso-8859-1", b"ISO-8859-1", b"iso-2022-jp", b"ISO-2022-JP"):
        out = out.replace(b"charset=" + word, b"charset=" + lie).replace(b'charset="' + word, b'charset="' + lie)
    if out == data:
        out = data.replace(b"\n\n", b"\nContent-Type: text/plain; charset=" + lie + b"\n\n", 1)
    return out + "\nunicode tail: 受信者 ümlaut\n".encode(rng.choice(["utf-8", "latin-1", "shift_jis", "utf-16"]), "replace")


def _duplicate_headers(data: bytes, rng: random.Random) -> bytes:
    head, sep, body = data.partition(b"\n\n")
    lines = head.split(b"\n")
    line = rng.choice(lines) if lines else b"X: y"
    return head + (b"\n" + line) * rng.choice([2, 100, 5000]) + sep + body


def _huge_field(data: bytes, rng: random.Random) -> bytes:
    for name in (b"Diagnostic-Code: ", b"Final-Recipient: rfc822; ", b"Status: ", b"Subject: ", b"Reporting-MTA: dns; "):
        if name in data:
            filler = rng.choice([b"x" * 300_000, b"5.1.1 " * 50_000, b"a@" * 100_000, b" " * 200_000, b"<" * 100_000])
            return data.replace(name, name + filler, 1)
    return data + b"\n" + b"y" * 300_000


def _nul_and_line_ends(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\r", b"\n"])))
    for _ in range(rng.randint(1, 20)):
        if buf:
            buf.insert(rng.randrange(len(buf)), 0)
    return bytes(buf)


def _splice(data: bytes, rng: random.Random) -> bytes:
    a, b = sorted(rng.randrange(len(data) + 1) for _ in range(2))
    return data[:a] + data[a:b] * rng.choice([2, 50]) + data[b:]


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncated": _truncate, "flipped": _flip, "boundaries": _damage_boundaries, "charset-lie": _charset_lie,
    "dup-headers": _duplicate_headers, "huge-field": _huge_field, "nul-crlf": _nul_and_line_ends, "spliced": _splice,
}


def seeds() -> list[Path]:
    """The real bounces the mutants start from."""
    return sorted(p for p in FIXTURES.rglob("*.eml"))


def mutants(rng: random.Random, per_seed: int = 3) -> Iterator[tuple[str, bytes]]:
    names = sorted(MUTATIONS)
    for path in seeds():
        data = path.read_bytes()
        for _ in range(per_seed):
            chosen = rng.sample(names, rng.choice([1, 1, 2]))
            out = data
            for name in chosen:
                out = MUTATIONS[name](out, rng)[: 8 << 20]  # chained splices could reach gigabytes
            yield f"{path.parent.name}-{path.stem}-{'+'.join(chosen)}", out


def build(outdir: str | Path, *, full: bool = False, seed: int = 7) -> list[Path]:
    """Write the corpus to ``outdir``; returns the files written, in order."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written = []
    for number, (kind, data) in enumerate([*synthetic(rng, full=full), *mutants(rng)]):
        path = out / f"{number:03d}-{kind}.eml"
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--full", action="store_true", help="make the big attachment 50 MB (default 3 MB)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    files = build(args.outdir, full=args.full, seed=args.seed)
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} messages, {size / 1e6:.1f} MB, in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

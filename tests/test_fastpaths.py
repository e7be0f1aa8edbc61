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


def _tree(msg: Message) -> object:
    payload = msg._payload
    return (type(msg).__name__, list(msg._headers), msg._unixfrom, msg._charset, msg.preamble, msg.epilogue,
            [type(d).__name__ for d in msg.defects], msg.get_default_type(),
            [_tree(p) for p in payload] if isinstance(payload, list) else payload)


def _stdlib(text: str) -> Message:
    import email.parser

    return email.parser.Parser(policy=email.policy.compat32).parsestr(text)


def test_fast_mime_parser_builds_the_stdlib_tree() -> None:
    from bouncekit._mime import parse_fast

    fast = 0
    for name, data in MESSAGES:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        text = data.decode("ascii", "surrogateescape")
        got = parse_fast(text)
        if got is not None:
            fast += 1
            assert _tree(got) == _tree(_stdlib(text)), name
    assert fast > len(MESSAGES) * 0.8


@pytest.mark.parametrize("text", [
    "", "\n", "Subject: x", "Subject: x\n", "Subject: x\n\nbody", "Subject: x\n\nbody\n\n",
    "Subject:\n continued\n\t more \n\nb", " lead: x\n\nb", ":x\n\nb", "From x\n\nb", "Bad line\n\nb",
    "Content-Type: multipart/mixed; boundary=b\n\npre\n--b\n\none\n--b\nContent-Type: text/plain\n\ntwo\n\n--b--\nepi\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n--b--\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b--\n",
    "Content-Type: multipart/mixed; boundary=b\n\n",
    "Content-Type: multipart/mixed; boundary=b\n\npre\namble",
    "Content-Type: multipart/mixed; boundary=b\n\npre\n--b--\nafter\n--b\n\nx\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=c\n\nno parts\n--b--\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=c\n\nx\n--c--\ny\n--b--\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
    "Content-Type: multipart/alternative; boundary=c\n\n--b--\n",
    "Content-Type: message/rfc822\n\nContent-Type: multipart/alternative; boundary=c\n\nbody\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\none\n--bx\n--b-- \nepi",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nx\n--c--\n\n--b--\n",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nx\n--c--\ntail\n--b--\n",
    "Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: x\n\n"
    "Final-Recipient: a\nStatus: 5.0.0\n\n\n--b\nContent-Type: message/rfc822\n\nSubject: o\n\nbody\n--b--\n",
    "Content-Type: message/delivery-status\n\nA: 1\n\n\n\nB: 2\njunk\n",
    "Content-Type: message/delivery-status\n\n",
    "Content-Type: message/delivery-status\n\nA: 1\n\n\n\nB: 2\n",
    "Content-Type: message/delivery-status\n\nA: 1\n B\n\nB: 2",
    "Content-Type: message/delivery-status\n\nA: 1\njunk\nmore\n\nB: 2\nx\n",
    "Content-Type: message/delivery-status\n\njunk\n\n\nB: 2\nx",
    "Content-Type: message/delivery-status\n\nA: 1\njunk\n",
    "Content-Type: message/delivery-status\n\nA: 1\njunk\n\n",
    "Content-Type: message/delivery-status\n\nA: 1\njunk\n \n\t\nB: 2\n\n\n",
    "Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
    "A: 1\n\nB: 2\njunk\n--b\nContent-Type: text/plain\n\nx\n--b--\n",
    "Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
    "A: 1\n\nB: 2\njunk\n\n--b--\n",
    "Content-Type: message/rfc822\n\n",
    "Content-Type: message/rfc822\n\n\nbody only\n",
    "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n",
    "Content-Type: multipart/digest; boundary=b\n\n--b\n\nSubject: x\n\ny\n--b--\n",
    "Content-Type: multipart/mixed\n\n--b\n\nx\n--b--\n",
    "Subject: a\x0bb\n\nx",
])
def test_fast_mime_parser_edge_cases(text: str) -> None:
    from bouncekit._mime import parse_fast

    got = parse_fast(text)
    if got is not None:
        assert _tree(got) == _tree(_stdlib(text))


def test_fast_mime_parser_on_mangled_messages() -> None:
    """Corpus messages with lines dropped, doubled or blanked: the fast tree is the stdlib's or None."""
    import random

    from bouncekit._mime import parse_fast

    rng = random.Random(66)
    for _ in range(1500):
        name, data = rng.choice(MESSAGES)
        lines = data.replace(b"\r\n", b"\n").decode("ascii", "surrogateescape").split("\n")
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            action = rng.randrange(4)
            if action == 0:
                del lines[i]
            elif action == 1:
                lines.insert(i, lines[i])
            elif action == 2:
                lines[i] = ""
            else:
                lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
            if not lines:
                lines = [""]
        text = "\n".join(lines)
        if text.startswith("From "):
            continue
        got = parse_fast(text)
        if got is not None:
            assert _tree(got) == _tree(_stdlib(text)), name


def test_plain_address_shortcut_is_parseaddr() -> None:
    import email.utils
    import random
    import sys

    import bouncekit.parse  # noqa: F401

    address_of = sys.modules["bouncekit.parse"]._address_of
    rng = random.Random(5)
    alphabet = "ab.+-_@<> \"(),;:1[]\\"
    values = ["a@b", "<a@b>", "<a@b", "a@b>", "a.b@c.d", "a..b@c", ".a@b", "a@b.", "a@-b", "x+y@z-1.example",
              "Name <a@b>", "<a@b> x", "a@b@c", "<<a@b>>", "a_b@c_d"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(20000)]
    for value in values:
        assert address_of(value) == email.utils.parseaddr(value)[1], value


def test_ascii_field_blocks_are_part_text() -> None:
    """The direct text of simple delivery-status parts is what the generator path gives."""
    from bouncekit import mail as mail_module

    checked = 0
    for name, data in MESSAGES:
        mail = Mail.from_bytes(data)
        for part in mail.parts:
            payload = part.get_payload()
            if not isinstance(payload, list) or part.get_content_maintype() == "multipart":
                continue
            direct = mail_module._ascii_field_blocks(payload)
            if direct is None:
                continue
            chunks = []
            for sub in payload:
                try:
                    chunks.append(mail_module.decode_bytes(sub.as_bytes(), None))
                except Exception:
                    chunks.append("".join(f"{k}: {v}\n" for k, v in sub.items()))
            assert direct == "\n".join(chunks), name
            checked += 1
    assert checked > 100


def _content_type_values() -> list[object]:
    """Content-Type values of the corpora's parts, odd ones, and random ones made of the pieces
    the parameter parser treats specially."""
    import random

    values: list[object] = ["text/plain", " Multipart/Mixed ; boundary=x", "text", "a/b/c", "", ";x",
                            "message/rfc822;", "TEXT/HTML\n charset=x", "t\u00e9xt/plain", "x/\udce9",
                            'multipart/mixed; boundary="a;b"; charset=X', "boundary=x; a/b", "a/b; BOUNDARY",
                            'a/b; boundary="<x>"', "a/b; boundary=<x> ", 'a/b; boundary=""', "a/b; boundary*=x",
                            "a/b; charset*=utf-8''x", 'a/b; charset="\\"x"', "a/b; ;boundary=1"]
    for _, data in MESSAGES:
        for part in Mail.from_bytes(data).parts:
            values += [v for k, v in part._headers if k.lower() == "content-type"]
    rng = random.Random(8)
    pieces = ["multipart/mixed", "text/plain", "a/b/c", ";", "; ", " ", "=", '"', "'", "<", ">", "boundary",
              "BOUNDARY", "charset", "Charset", "=utf-8", "=\"x y\"", "*", "\\", "\n ", "x", "--=_1", "\u00e9",
              "\udce9", "()"]
    for _ in range(4000):
        values.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))))
    return values


def _outcome(function, *args):  # type: ignore[no-untyped-def]
    """What a call gives: its result, or the type of the exception it raises."""
    try:
        return "returns", function(*args)
    except Exception as exc:
        return "raises", type(exc)


def test_content_type_parameters_are_the_stdlibs() -> None:
    from email.header import Header

    from bouncekit._mime import boundary_of, charset_of, content_type_of

    values = _content_type_values()
    assert len(values) > 5000
    for value in values + [Header("text/plain; charset=x")]:
        for headers in ([("X-A", "1"), ("content-TYPE", value), ("Content-Type", "text/html")],
                        [("Content-Type", value)]):
            msg = Message(policy=email.policy.compat32)
            msg._headers = headers
            assert _outcome(content_type_of, msg) == _outcome(Message.get_content_type, msg), value
            assert _outcome(boundary_of, msg) == _outcome(Message.get_boundary, msg), value
            assert _outcome(charset_of, msg) == _outcome(Message.get_content_charset, msg), value
    for default in ("text/plain", "message/rfc822"):
        msg = Message(policy=email.policy.compat32)
        msg.set_default_type(default)
        assert (content_type_of(msg), boundary_of(msg), charset_of(msg)) == (default, None, None)


def test_body_head_is_the_start_of_the_stripped_body() -> None:
    odd = "Subject: x\nContent-Type: text/plain; charset=utf-8\n\n \t\n\u2003\x1c\x85 hello".encode("utf-8")
    for name, data in MESSAGES[:300] + [("blank", odd)]:
        mail = Mail.from_bytes(data)
        for size in (0, 1, 40, 400, 10**6):
            assert mail.body_head(size) == mail.body.lstrip()[:size], name


def _ds_part(values: list[tuple[str, str]]) -> Message:
    block = Message(policy=email.policy.compat32)
    block._headers = list(values)
    block._payload = ""
    part = Message(policy=email.policy.compat32)
    part._headers = [("Content-Type", "message/delivery-status")]
    part._payload = [block]
    return part


def test_unfolded_field_blocks_read_as_part_text() -> None:
    """parse_field_blocks reads the unfolded text as it reads the generator's (folded) text."""
    import random

    from bouncekit import mail as mail_module

    parts = []
    for name, data in MESSAGES:
        mail = Mail.from_bytes(data)
        parts += [p for p in mail.parts if isinstance(p.get_payload(), list)
                  and p.get_content_type() in ("message/delivery-status", "message/global-delivery-status")]
    rng = random.Random(9)
    words = ["smtp;", "550", "5.1.1", "<user@example.com>...", "User", "unknown;", "host", "mx.example.com[192.0.2.1]:",
             "said:", "a,b", "x" * 70, "(in", "reply", "to", "RCPT", "TO", "command)", ";", ",", "http://example.com/" + "p" * 50]
    for _ in range(3000):
        value = " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
        parts.append(_ds_part([("Final-Recipient", "rfc822; a@b"), ("Diagnostic-Code", value), ("Status", "5.1.1")]))
    # values folded in the message, as the parser keeps them: plausible folds, then odd ones
    for folds in (["\n ", "\n\t", "\n    ", "\n \t ", " "], ["\n ", " ", "  ", "\n", "\n \n ", " \n ", "\n\t "]):
        for _ in range(2000):
            value = rng.choice(["", " ", "", "\n "]) + rng.choice(words)
            for _ in range(rng.randint(0, 40)):
                value += rng.choice(folds) + rng.choice(words)
            parts.append(_ds_part([("Final-Recipient", "rfc822; a@b"), ("Diagnostic-Code", value), ("Status", "5.1.1")]))
    # one word too long to follow the name (written on a line of its own), around the line limit
    long_words = 0
    for name in ("X-Original-Message-ID", "Final-Recipient", "X", "X-" + "n" * 76, "X-" + "n" * 80):
        for size in (1, 40, 55, 56, 57, 58, 60, 75, 76, 77, 90, 200):
            word = "".join(rng.choice("ab<>@.;,:=+/-_") for _ in range(size))
            lines = mail_module._long_word_lines(name, word)
            assert lines is None or lines.encode() == email.policy.compat32.fold_binary(name, word)
            long_words += lines is not None
            parts.append(_ds_part([("Final-Recipient", "rfc822; a@b"), (name, word), ("Status", "5.1.1")]))
            parts.append(_ds_part([("Final-Recipient", "rfc822; a@b"), (name, word), (name, word)]))
    direct = folded = 0
    for part in parts:
        text = mail_module._unfolded_field_blocks(part.get_payload())
        if text is not None:
            direct += 1
            folded += any("\n" in value for sub in part.get_payload() for _, value in sub.items())
            assert mail_module.parse_field_blocks(text) == mail_module.parse_field_blocks(mail_module.part_text(part))
    assert direct > 3000 and folded > 500 and long_words > 20


def _bound_inputs() -> list[bytes]:
    """Corpus messages, and random texts made of the pieces the bound's searches look for."""
    import random

    rng = random.Random(17)
    pieces = [b"boundary", b"BOUNDARY", b"Boundary=", b"=", b' = "', b'"', b"abc", b"x-y_z", b";", b" ", b"\t",
              b"\n", b"\n--", b"--", b"content-type:", b"Content-Type: ", b"message/rfc822", b"MESSAGE/global",
              b"message/rfc822x", b"_", b"1", b"\xe9", b"\r\n", b"rfc822", b"-" * 3]
    texts = [data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") for _, data in MESSAGES]
    for _ in range(3000):
        texts.append(b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))))
    return texts


def test_container_search_is_finditer() -> None:
    import sys

    parse_module = sys.modules["bouncekit.parse"]  # the module (bouncekit.parse is the function)
    found = 0
    for text in _bound_inputs():
        slow = [(m.span(), m.groups()) for m in parse_module._CONTAINER.finditer(text)]
        assert [(m.span(), m.groups()) for m in parse_module._containers(text)] == slow, text[:200]
        found += len(slow)
    assert found > 2000


def test_mime_limits_count_is_sound() -> None:
    """When the counts say the containers and parts are within the limits, the search cuts nothing."""
    import sys

    from bouncekit.limits import DEFAULT_LIMITS, Limits

    parse_module = sys.modules["bouncekit.parse"]
    texts = _bound_inputs()
    limits = [DEFAULT_LIMITS] + [Limits(max_depth=depth, max_parts=parts)
                                 for depth in (None, 1, 2, 3, 8) for parts in (None, 1, 2, 3, 5)]
    counted = 0
    for text in texts:
        for limit in limits:
            if parse_module._within_mime_limits(text, limit):
                counted += 1
                assert parse_module._cut_mime(text, limit, []) == (text, []), (limit, text[:200])
    default = sum(parse_module._within_mime_limits(text, DEFAULT_LIMITS) for text in texts[:len(MESSAGES)])
    assert counted > 20000 and default > len(MESSAGES) * 0.9


def test_delimiter_search_is_the_line_start_pattern() -> None:
    import re
    import sys

    parse_module = sys.modules["bouncekit.parse"]
    checked = 0
    for text in _bound_inputs():
        boundaries = {m.group(1) or m.group(2) for m in parse_module._CONTAINER.finditer(text)
                      if m.group(1) or m.group(2)}
        if not boundaries:
            continue
        slow = re.compile(rb"(?m)^--(?:" + b"|".join(re.escape(b) for b in boundaries) + rb")")
        assert parse_module._delimiter_starts(text, boundaries) == [m.start() for m in slow.finditer(text)]
        checked += 1
    assert checked > 500


@pytest.mark.parametrize("limit", [1, 5, 16, 77, 8192])
def test_long_line_test_is_the_substitution(limit: int) -> None:
    import random
    import sys

    parse_module = sys.modules["bouncekit.parse"]
    rng = random.Random(limit)
    texts = _bound_inputs()[:600]
    for _ in range(2000):
        texts.append(b"\n".join(b"x" * rng.choice([0, 1, limit - 1, limit, limit + 1, limit * 2, rng.randrange(3 * limit)])
                                for _ in range(rng.randint(0, 6))) + rng.choice([b"", b"\n"]))
    for text in texts:
        assert parse_module._has_long_line(text, limit) == bool(parse_module._long_line(limit).subn(rb"\1", text)[1])


def test_decoder_pattern_prefilters_are_the_patterns_pieces() -> None:
    from bouncekit.formats import _common
    from bouncekit.rules.engine import required_pieces

    from bouncekit import codes
    from bouncekit._prefilter import may_hold

    from bouncekit import mail as mail_module
    from bouncekit.formats import _microsoft, postfix

    prefiltered = [(_common._IN_REPLY_TO, _common._IN_REPLY_TO_NEEDS), (_common._HOST_SAID, _common._HOST_SAID_NEEDS),
                   (codes._SAID, codes._SAID_NEEDS), (mail_module._INLINE_DSN, mail_module._INLINE_DSN_NEEDS),
                   (mail_module._DSN_FIELD, mail_module._DSN_FIELD_NEEDS), (_microsoft._REPORTED, _microsoft._REPORTED_NEEDS),
                   (postfix._CONNECT, postfix._CONNECT_NEEDS)]
    for pattern, pieces in prefiltered:
        assert pattern.pattern.isascii()  # (no branch of non-ASCII letters, which required_pieces leaves out)
        assert set(required_pieces(pattern)) == set(pieces), pattern.pattern
    assert ">>>" in _common._TRANSCRIPT_SENT.pattern
    texts = ["host mx.example.com said: 550 no (in reply to RCPT TO command)", "HOST x.y SAYS: 5", "\u0131n reply to DATA",
             "(IN REPLY TO end of DATA command)", "h\u00f6st a.b said:", "", "the server \u017fays: 550", "ERROR 421"]
    for _, data in MESSAGES[:300]:
        mail = Mail.from_bytes(data)
        texts += mail.body.splitlines() + mail.text_parts
    import random

    rng = random.Random(21)
    odd = ["\u0130", "\u0131", "\u017f", "\u212a", "\u00e9", "I", "S", "K", " ", "\n"]
    for _ in range(3000):  # pieces with letters swapped for characters that case-insensitive matching equates
        pattern, pieces = rng.choice(prefiltered)
        text = list(rng.choice(pieces))
        for _ in range(rng.randint(0, 3)):
            text[rng.randrange(len(text))] = rng.choice(odd)
        texts.append("x " + "".join(text) + rng.choice([" 550 mx.example.com said:", " (x)", "\n"]))
    held = 0
    for text in texts:
        for pattern, pieces in prefiltered:
            if not may_hold(text, pieces):
                assert pattern.search(text) is None, (pattern.pattern, text)
            else:
                held += 1
    assert held > 1000


def test_ascii_folds_are_all_that_case_insensitive_matching_equates_with_ascii_letters() -> None:
    import re

    from bouncekit._prefilter import ASCII_FOLDS

    letter = re.compile("(?i)[a-z]")
    found = {chr(c) for c in range(128, 0x110000) if letter.fullmatch(chr(c))}
    assert found == set(ASCII_FOLDS)
    for char, ascii_letter in ASCII_FOLDS.items():
        assert re.fullmatch("(?i)" + ascii_letter, char)


@pytest.mark.parametrize("name, lookahead", [("_ORIGINAL_MARKERS", "(?=[-=oym])"), ("_DSN_FIELD", "(?=[rfo])")])
def test_first_character_lookaheads_change_no_match(name: str, lookahead: str) -> None:
    """A lookahead naming the first characters of a pattern's alternatives only speeds it up."""
    import random
    import re

    from bouncekit import mail as mail_module

    fast = getattr(mail_module, name)
    assert lookahead in fast.pattern
    slow = re.compile(fast.pattern.replace(lookahead, "", 1), fast.flags)
    texts = []
    for _, data in MESSAGES:
        mail = Mail.from_bytes(data)
        texts += mail.text_parts + [mail.body]
    rng = random.Random(12)
    lines = ["----- Original message -----", "=== Returned", "> Your message was", "  MESSAGE FOLLOWS", "---- Below this line",
             "Reporting-MTA: dns; x", "final-recipient: a@b", "ORIGINAL-RECIPIENT:", "Original message follows", "Oops",
             "-- x", "\t--- Headers Follow", "-", "message is included", "\u0131"]
    for _ in range(2000):
        texts.append("\n".join(rng.choice(lines) for _ in range(rng.randint(0, 8))))
    found = 0
    for text in texts:
        a, b = fast.search(text), slow.search(text)
        assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), text[:300]
        found += a is not None
    assert found > 500


def test_plain_payload_bytes_are_get_payload_decoded() -> None:
    import random
    from email.header import Header

    from bouncekit._mime import plain_payload_bytes

    parts = [part for _, data in MESSAGES for part in Mail.from_bytes(data).parts]
    rng = random.Random(5)
    encodings = ["7bit", "8bit", "binary", "base64", "BASE64", " base64", "base64 ", "Quoted-Printable", "x-uue", "uue",
                 "quoted-printable\n ", "\u00e9", "", "none", Header("base64"), None]
    bodies = ["hello\n", "aGVsbG8=\n", "caf=C3=A9\n", "", "caf\u00e9\n", "raw \udce9\n", "begin 644 x\n`\nend\n"]
    for _ in range(3000):
        part = Message(policy=email.policy.compat32)
        encoding = rng.choice(encodings)
        part._headers = [("Content-Type", "text/plain")] + (
            [] if encoding is None else [(rng.choice(["Content-Transfer-Encoding", "content-transfer-ENCODING"]), encoding)])
        part._payload = rng.choice(bodies)
        parts.append(part)
    fast = 0
    for part in parts:
        got = plain_payload_bytes(part)
        if got is not None:
            fast += 1
            assert got == part.get_payload(decode=True)
    assert fast > 1000


def _decoder_texts() -> list[str]:
    """The corpora's body lines and text parts, for the decoders' shortcuts to be compared on."""
    texts = []
    for _, data in MESSAGES:
        mail = Mail.from_bytes(data)
        texts += mail.body.splitlines() + mail.text_parts
    return texts


def test_noise_lookahead_changes_no_match() -> None:
    """codes._NOISE's lookahead names how each of its kinds starts; the first-character class it
    replaces gives the same masking."""
    import random
    import re

    from bouncekit import codes

    fast = codes._NOISE
    lookahead = "(?=[0-9]|v\\d|[0-9a-fA-F]{1,4}:)"
    assert lookahead in fast.pattern
    slow = re.compile(fast.pattern.replace(lookahead, "(?=[0-9a-fA-Fv])", 1), fast.flags)
    rng = random.Random(31)
    pieces = ["192.0.2.1", "fe80::1", "a:b:c", "dead:beef:", "v2.0.3", "v", "vv1", "Sendmail/8.14.4", "Exim 4.92.1",
              "said 5.1.1", "10:30:00", "2014-06-21", "21.06.14", "06/21/14", "\u0663.\u0661.\u0662", "v\u0663.1",
              "\u0663:\u0661\u0662", "550", "x", " ", ":", ".", "-", "/", "\n", "ab", "F", "7"]
    texts = _decoder_texts()
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    masked = 0
    for text in texts:
        a = fast.sub(codes._blank, text)
        assert a == slow.sub(codes._blank, text), text[:300]
        masked += a != text
    assert masked > 1000


def test_in_reply_to_search_from_its_first_piece_is_the_whole_search() -> None:
    """_common._in_reply_to (the search started near the first "in reply to") finds what a search of
    the whole text finds, and cutting its match is the pattern's substitution."""
    import random

    from bouncekit.formats import _common

    rng = random.Random(41)
    pieces = ["in reply to", "IN REPLY TO", "In Reply To", "(", ")", " ", "\t", "\n", "\x1c", "x", "RCPT TO", "DATA",
              "end of", "command", ".", "\u0131n reply to", "\u00e9", "550 5.1.1 no", "<a@b>:"]
    texts = [t for t in _decoder_texts() if "reply" in t.lower()]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    found = 0
    for text in texts:
        a, b = _common._in_reply_to(text), _common._IN_REPLY_TO.search(text)
        assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), text[:300]
        if a:
            found += 1
            assert text[:a.start()] + text[a.end():] == _common._IN_REPLY_TO.sub("", text)
    assert found > 300


def test_command_marker_pieces_are_in_every_marker() -> None:
    from bouncekit.formats import _common

    for marker in _common._COMMAND_MARKERS:
        assert any(piece in marker for piece in _common._COMMAND_MARKER_PIECES), marker

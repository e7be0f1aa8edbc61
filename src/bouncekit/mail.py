"""A bounce message, loaded leniently, with the views format decoders need.

:class:`Mail` wraps a stdlib :class:`email.message.Message` and computes, on first use and once,
the decoded headers, the human-readable text, the RFC 3464 field blocks and the quoted original
message. Decoders call these instead of walking MIME themselves, so every decoder sees the same,
charset-decoded text and the work is not done twice.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import re
from email.message import Message
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from .limits import DEFAULT_LIMITS, Limits
from ._mime import boundary_of, charset_of, content_type_of, parse_fast, plain_payload_bytes
from ._prefilter import may_hold

# Where the human-readable part of a non-MIME bounce stops and the returned message begins.
# Written to search in linear time on hostile text: no whitespace run right after ^[ \t>]* (the two
# would share a run of blanks quadratically; [ \t>]* already takes them), and every run of dashes
# or equals signs is followed by (?!-) / (?!=), so a long run is not retried at every length.
# The lookahead names the first characters of the alternatives: a line that starts otherwise is
# left at once instead of being tried against each of them (three times faster; same matches).
_ORIGINAL_MARKERS = re.compile(
    r"""(?imx)^[ \t>]*(?=[-=oym])(?:
        -+(?!-)\s*(?:the\ )?original\ message
      | -+(?!-)\s*(?:this\ is\ a\ copy|below\ this\ line\ is\ a\ copy|a\ copy\ of\ the\ original)
      | -+(?!-)\s*returned\ message
      | -+(?!-)\s*message\ header\ follows
      | -+(?!-)\s*unsent\ message\ follows
      | -+(?!-)\s*(?:start\ of\ )?returned\ (?:mail|content)
      | -+(?!-)\s*original\ message\ (?:follows|header)
      | -+(?!-)\s*the\ header\ of\ the\ original\ message
      | ={3,}(?!=)\s*(?:original|returned)
      | original\ message\ follows
      | --- below\ this\ line
      | -+(?!-)\ ?Original\ message\ text
      | -+(?!-)\ *Message\ text\ follows
      | ---\ *Headers\ Follow
      | (?:Your\ )?(?:original\ )?message\ (?:headers\ )?(?:follows?|was[ \t]*:|is\ included)
    )""",
)

_UNINDENTED_BOUNDARY = re.compile(rb"(?im)^(Content-Type:[^\n]*;[ \t]*\n)(?=boundary=)")
_INLINE_DSN = re.compile(r"(?im)^Content-Type:\s*message/(?:global-)?delivery-status\b.*\n(?:[ \t].*\n)*")
_DSN_FIELD = re.compile(r"(?im)^(?=[rfo])(?:Reporting-MTA|Final-Recipient|Original-Recipient):[ \t]*\S")
# What every match of these contains (see bouncekit._prefilter): a text without it is not searched.
_INLINE_DSN_NEEDS = ("delivery-status",)
_DSN_FIELD_NEEDS = ("original-recipient", "final-recipient", "reporting-mta")
_DSN_KEYS = frozenset({"reporting-mta", "final-recipient", "original-recipient", "action", "status",
                       "arrival-date", "received-from-mta"})
_BOUNDARY_LINE = re.compile(r"(?m)^--\S+\s*$")
_RECIPIENT_FIELDS = frozenset({"final-recipient", "original-recipient"})

_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_WHITESPACE = re.compile(r"\s")  # what str.isspace() calls white space
_LEADING_SPACE = re.compile(r"\s*")  # what str.lstrip() removes

_ESC_JIS = "\x1b$B"


def raw_headers(msg: Message, name: str) -> list[str]:
    """All raw values of a header (8-bit bytes kept as surrogate escapes, not replaced by U+FFFD)."""
    lname = name.lower()
    return [v if isinstance(v, str) else str(v) for k, v in msg.raw_items() if k.lower() == lname]


def _undo_surrogates(text: str) -> str:
    """Text holding raw 8-bit bytes as surrogate escapes (8-bit headers, RFC 6533 fields) decoded."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return decode_bytes(text.encode("ascii", "surrogateescape"), None)


def decode_header(value: str | email.header.Header | None) -> str:
    """A header value as text: RFC 2047 words and raw UTF-8 decoded, folding removed. Never raises."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    value = _undo_surrogates(value)
    try:
        if "=?" in value:
            parts = []
            for chunk, charset in email.header.decode_header(value):
                if isinstance(chunk, bytes):
                    parts.append(decode_bytes(chunk, charset))
                else:
                    parts.append(chunk)
            value = "".join(parts)
    except Exception:  # a broken encoded word: keep the raw text
        pass
    return unfold(value)


def unfold(text: str) -> str:
    """Join folded lines and collapse runs of white space."""
    return " ".join(text.split())


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text with the declared charset; fall back sensibly when it lies or is missing."""
    candidates = []
    if charset:
        cs = charset.strip().strip('"').lower()
        # Common aliases that Python's codec registry does not know or gets wrong.
        cs = {"x-sjis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis", "ks_c_5601-1987": "cp949",
              "gb2312": "gb18030", "gbk": "gb18030", "x-unknown": "", "unknown-8bit": "",
              "iso-2022-jp": "iso2022_jp_ext", "cp932": "cp932"}.get(cs, cs)
        if cs:
            candidates.append(cs)
    if b"\x1b$" in data:
        candidates.append("iso2022_jp_ext")
    candidates += ["utf-8", "cp1252"]
    for cs in candidates:
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def content_type(part: Message) -> str:
    """A part's ``type/subtype``, lower-cased, even when a missing ``;`` glues parameters to it.

    ``Content-Type: text/plain`` folded onto `` charset="iso-2022-jp"`` with no semicolon reads,
    for the stdlib, as the type ``text/plain\\n   charset="iso-2022-jp"``: the first word is the type.
    """
    ctype = content_type_of(part)
    return ctype.split(None, 1)[0] if ctype and _WHITESPACE.search(ctype) else ctype


def part_text(part: Message, max_blocks: int | None = None) -> str:
    """The decoded text of one leaf part (or the raw text of a part the parser split up).

    ``max_blocks`` bounds the header blocks of a message/delivery-status part that are rendered.
    """
    raw = plain_payload_bytes(part)  # the common case, without get_payload's two header lookups
    if raw is not None:
        return decode_bytes(raw, charset_of(part))
    payload = part.get_payload()
    if isinstance(payload, list):
        # message/delivery-status (a list of header blocks) or a nested message.
        text = _ascii_field_blocks(payload)
        if text is not None:
            return text
        chunks = []
        for sub in payload if max_blocks is None else payload[:max_blocks]:
            if isinstance(sub, Message):
                # as_bytes() gives back the 8-bit bytes as received (RFC 6533 fields are raw UTF-8)
                try:
                    chunks.append(decode_bytes(_field_block_bytes(sub) or sub.as_bytes(), None))
                except Exception:  # a sub-part the generator cannot render: its sanitised fields
                    chunks.append("".join(f"{k}: {v}\n" for k, v in sub.items()))
        return "\n".join(chunks)
    raw = part.get_payload(decode=True)
    if raw is None:
        return payload if isinstance(payload, str) else ""
    return decode_bytes(raw, charset_of(part))


def _blocks_text(blocks: list, field_line: Callable[[Any, Any, set[str]], str | None]) -> str | None:
    """The field blocks of a delivery-status part written out, one ``field_line(name, value, seen)``
    per field (``seen``: the lower-cased names met so far in the block), a blank line, the block's
    body; None when a block is not a plain compat32 header block, a field line is None, or a body is
    not ASCII text without CR: the fast paths below vouch only for those."""
    chunks = []
    for sub in blocks:
        if (not isinstance(sub, Message) or sub.policy is not email.policy.compat32
                or sub.get_default_type() != "text/plain"):
            return None
        lines = []
        seen: set[str] = set()
        for name, value in sub._headers:
            line = field_line(name, value, seen)
            if line is None:
                return None
            lines.append(line)
        body = sub._payload
        if body is None:
            body = ""
        elif not isinstance(body, str) or not body.isascii() or "\r" in body:
            return None
        chunks.append("".join(lines) + "\n" + body)
    return "\n".join(chunks)


def _ascii_field_line(name: Any, value: Any, seen: set[str]) -> str | None:
    if (not isinstance(name, str) or not isinstance(value, str) or not name.isascii() or not value.isascii()
            or len(name) + 2 + len(value) > 78 or not value.isprintable() or value.endswith(" ")
            or name.lower() == "content-type"):
        return None
    return f"{name}: {value}\n"


def _ascii_field_blocks(blocks: list) -> str | None:
    """:func:`part_text` of a delivery-status part whose blocks are all short printable ASCII fields.

    Those are what the parser read, written back unchanged by the generator (see
    :func:`_field_block_bytes`), and ASCII bytes decode to themselves: the text is built directly.
    None when any block is of another kind.
    """
    return _blocks_text(blocks, _ascii_field_line)


def _unfolded_field_line(name: Any, value: Any, seen: set[str]) -> str | None:
    if not isinstance(name, str) or not isinstance(value, str) or not name.isascii():
        return None
    key = name.strip().lower()
    if key == "content-type" or (key in seen and key not in _RECIPIENT_FIELDS):
        return None
    seen.add(key)
    unfolded = _unfolded_value(name, value)
    if unfolded is not None:
        return f"{name}: {unfolded}\n"
    return _long_word_lines(name, value)


def _long_word_lines(name: str, value: str) -> str | None:
    """The generator's lines for a field whose value is one word (printable ASCII, no blank) too long
    to follow the name on the line (a long message id or path, a third of the delivery-status parts
    that :func:`_unfolded_field_blocks` could not take): the folder, with no blank to break at, puts
    the word on a line of its own, ``Name: `` then `` word``. None for any other value."""
    if value and " " not in value and value.isascii() and value.isprintable() and len(name) + 2 + len(value) > 78:
        return f"{name}: \n {value}\n"
    return None


def _unfolded_field_blocks(blocks: list) -> str | None:
    """A text of the delivery-status blocks that :func:`parse_field_blocks` reads as it reads
    ``part_text`` of their part; or None.

    ``part_text`` writes the fields back through the stdlib generator, which keeps the line ends of
    a value folded in the message and folds a line longer than the line limit at some of its white
    space (a line end put before a run of blanks); ``parse_field_blocks`` joins the lines again
    with one space. So for values whose lines pass :func:`_unfolded_value`, and blocks with no
    repeated field (other than the recipient fields, which start a new block), the fields read are
    the same whether or not the values are folded: the text is written here without folding.
    Tested against ``part_text`` on the corpora and on random folded values.
    """
    return _blocks_text(blocks, _unfolded_field_line)


def _unfolded_value(name: str, value: str) -> str | None:
    """A field's value on one line, as :func:`parse_field_blocks` reads it from the generator's
    text (see :func:`_unfolded_field_blocks`); None when that cannot be vouched for.

    Each line of the value is printable ASCII with no blank at its end. The generator folds a line
    longer than the limit between two words, keeping the blanks before the second, so such a line
    must have single spaces between its words; the first line also keeps its first word next to
    the field name (else the generator moves it to a line of its own). A continuation line (one
    folded in the message) begins with blanks, which the generator writes and
    ``parse_field_blocks`` turns into one space.
    """
    if not value.isascii():
        return None
    if "\n" not in value:
        if not _unfolded_line(value, len(name) + 2, first=True):
            return None
        return value
    lines = value.split("\n")
    pieces = [lines[0]]
    if not lines[0] or not _unfolded_line(lines[0], len(name) + 2, first=True):
        return None  # an empty first line: parse_field_blocks would read a leading space
    for line in lines[1:]:
        text = line.lstrip(" \t")
        if text == line or not text or not _unfolded_line(text, len(line) - len(text), first=False):
            return None  # a blank line would end the block
        pieces.append(text)
    return " ".join(pieces)


def _unfolded_line(text: str, indent: int, first: bool) -> bool:
    """True when the generator writes ``text`` (after ``indent`` characters of field name or blanks)
    as lines that ``parse_field_blocks`` joins back into ``text``."""
    if not text.isprintable() or text.endswith(" "):
        return False
    if indent + len(text) > 78:  # folded by the generator
        if "  " in text or text.startswith(" "):
            return False
        if first and indent + len(text.split(" ", 1)[0]) > 78:
            return False
    return True


def _field_block_bytes(sub: Message) -> bytes | None:
    """``sub.as_bytes()`` of a block of delivery-status fields, written without the generator; or None.

    The stdlib generator writes each field through the policy's folder and then the body. A short
    printable ASCII value (or one holding raw 8-bit bytes) comes out of the folder as it is, so
    that line is written directly; other fields still go through the folder. A block with its own
    Content-Type (whose body the generator might rewrite) is left to ``as_bytes`` (None).
    """
    policy = sub.policy
    if policy is not email.policy.compat32 or sub.get_default_type() != "text/plain":
        return None
    out = []
    for name, value in sub._headers:
        if not isinstance(name, str) or name.lower() == "content-type":
            return None
        if isinstance(value, str):
            if value.isascii():
                # a printable one-line value that fits the line limit, and no single trailing
                # space (the folder drops that one)
                fast = len(name) + 2 + len(value) <= 78 and value.isprintable() and not value.endswith(" ")
            else:
                try:
                    value.encode("utf-8")
                    fast = False  # non-ASCII text (not raw bytes): the folder encodes it
                except UnicodeEncodeError:
                    fast = True  # raw 8-bit bytes (surrogate escapes): written as they are
            if fast:
                try:
                    out.append(f"{name}: {value}\n".encode("ascii", "surrogateescape"))
                    continue
                except UnicodeEncodeError:
                    return None
        out.append(policy.fold_binary(name, value))
    out.append(b"\n")
    body = sub._payload
    if body is not None:
        if not isinstance(body, str) or "\r" in body:
            return None
        try:
            out.append(body.encode("ascii", "surrogateescape"))
        except UnicodeEncodeError:
            return None
    return b"".join(out)


def parse_field_blocks(text: str) -> list[dict[str, str]]:
    """Split RFC 822 style field blocks (``Name: value``, folded lines, blank-line separated).

    Field names are lower-cased; a repeated field keeps its first value, except that a repeated
    Final-Recipient/Original-Recipient starts a new block (some MTAs omit the blank line). Lines that are not
    fields end nothing: lenient, because real DSNs put comments and junk between fields.
    """
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current, last = {}, None
            continue
        if line[0] in " \t" and last is not None:
            current[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep and name and " " not in name.strip() and name.strip().isascii():
            key = name.strip().lower()
            last = key
            if key in current and key in _RECIPIENT_FIELDS:
                # a second recipient with no blank line before it (AOL does this): a new block
                blocks.append(current)
                current = {}
            if key not in current:
                current[key] = value.strip()
            else:
                last = None  # ignore continuation lines of a duplicate
        else:
            last = None
    if current:
        blocks.append(current)
    return blocks


_T = TypeVar("_T")


class _view(Generic[_T]):
    """``functools.cached_property`` without its lock: computed on first read, then read from the
    instance. (Python 3.11's takes a lock shared by all instances at each first read, a cost that
    shows for views as cheap as most of these; a view is a function of the message, so two threads
    that compute it at once get the same value.)"""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _view[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object, owner: type | None = None) -> _T | _view[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


class Mail:
    """One message and the cached views decoders use. Build with :meth:`from_bytes` or from a Message."""

    def __init__(self, msg: Message, limits: Limits | None = None) -> None:
        self.msg = msg
        self.limits = limits if limits is not None else DEFAULT_LIMITS
        """The bounds of this parse; :attr:`parts` walks at most ``max_depth`` levels and ``max_parts`` parts."""
        self._decoded: dict[str, str] = {}
        self._decoded_all: dict[str, list[str]] = {}

    @classmethod
    def from_bytes(cls, data: bytes, limits: Limits | None = None) -> Mail:
        """Load leniently: CR-only and CRLF line ends accepted, bad MIME kept as text."""
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # An mbox "From " separator line is not a header.
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        # A Content-Type whose "boundary=" parameter lost its leading blank (the field's line ends
        # in ';' and the next line starts "boundary=", as in some Exchange Online reports) would
        # leave the multipart without a boundary and its parts, still encoded, read as text.
        if b"\nboundary=" in data:
            data = _UNINDENTED_BOUNDARY.sub(rb"\1\t", data)
        # The same tree the stdlib parser builds, several times faster, for well-formed messages;
        # the stdlib parser for the rest (see bouncekit._mime).
        msg = parse_fast(data.decode("ascii", "surrogateescape"))
        if msg is None:
            msg = email.message_from_bytes(data, policy=email.policy.compat32)
        return cls(msg, limits)

    @_view
    def _raw_index(self) -> dict[str, list[str]]:
        """Raw header values by lower-cased name, in order (what :func:`raw_headers` gives, indexed)."""
        index: dict[str, list[str]] = {}
        for k, v in self.msg._headers:  # raw_items(), without the copy
            index.setdefault(k.lower(), []).append(v if isinstance(v, str) else str(v))
        return index

    def header(self, name: str) -> str:
        """The first value of a header, decoded and unfolded; "" when absent."""
        cache = self._decoded
        value = cache.get(name)
        if value is None:
            values = self._raw_index.get(name.lower())
            value = cache[name] = decode_header(values[0]) if values else ""
        return value

    def headers(self, name: str) -> list[str]:
        """All values of a header, decoded (a new list)."""
        key = name.lower()
        values = self._decoded_all.get(key)
        if values is None:
            values = self._decoded_all[key] = [decode_header(v) for v in self._raw_index.get(key, ())]
        return list(values)

    def has_header(self, name: str) -> bool:
        """True when the message has the header (``msg.get(name) is not None``)."""
        return name.lower() in self._raw_index

    @_view
    def subject(self) -> str:
        return self.header("Subject")

    @_view
    def sender(self) -> str:
        """The From header, lower-cased (decoders match on it)."""
        return self.header("From").lower()

    @_view
    def content_type(self) -> str:
        return content_type(self.msg)

    @_view
    def boundary(self) -> str | None:
        """The message's MIME boundary (``msg.get_boundary()``), or None."""
        return boundary_of(self.msg)

    @_view
    def parts(self) -> list[Message]:
        """All parts in order, not descending into quoted messages (message/rfc822)."""
        out: list[Message] = []
        max_depth = self.limits.max_depth if self.limits.max_depth is not None else 100
        max_parts = self.limits.max_parts if self.limits.max_parts is not None else 10_000

        def walk(part: Message, depth: int) -> None:
            if len(out) >= max_parts:
                return
            out.append(part)
            if depth >= max_depth:
                return
            if content_type_of(part).split("/")[0] == "multipart":  # get_content_maintype()
                payload = part.get_payload()
                if isinstance(payload, list):
                    for sub in payload:
                        if isinstance(sub, Message):
                            walk(sub, depth + 1)

        walk(self.msg, 0)
        return out

    @_view
    def typed_parts(self) -> list[tuple[Message, str]]:
        """:attr:`parts`, each with its :func:`content_type`."""
        return [(p, content_type(p)) for p in self.parts]

    @_view
    def text_parts(self) -> list[str]:
        """Decoded text/plain (or text/html stripped, when no plain text) parts of the report itself."""
        plain = [part_text(p) for p, ctype in self.typed_parts if ctype == "text/plain"]
        if not plain:
            html = [part_text(p) for p, ctype in self.typed_parts if ctype == "text/html"]
            plain = [_strip_html(h) for h in html]
        if not plain and not self.msg.is_multipart():
            plain = [part_text(self.msg)]
        if not plain:
            # a multipart whose boundary the parser could not read (a broken Content-Type): its raw text
            plain = [p.get_payload() for p in self.parts
                     if p.get_content_maintype() == "multipart" and isinstance(p.get_payload(), str)
                     and p.get_payload().strip()]
        return plain

    @_view
    def _marker(self) -> re.Match[str] | None:
        """The first "original message" marker in the first text part (searched once for
        :attr:`body` and :attr:`original`), or None."""
        return _ORIGINAL_MARKERS.search(self.text_parts[0] if self.text_parts else "")

    @_view
    def body(self) -> str:
        """The human-readable explanation: the first text part, cut before a quoted original message."""
        text = self.text_parts[0] if self.text_parts else ""
        if not self.msg.is_multipart():
            m = self._marker
            if m:
                text = text[: m.start()]
        return text

    @_view
    def _body_start(self) -> int:
        return _LEADING_SPACE.match(self.body).end()  # type: ignore[union-attr]

    def body_head(self, size: int) -> str:
        """``body.lstrip()[:size]``, without copying the whole body (decoder guards look at its start)."""
        start = self._body_start
        return self.body[start:start + size]

    @_view
    def status_blocks(self) -> list[dict[str, str]]:
        """RFC 3464 field blocks from message/delivery-status parts (RFC 6533 global too).

        The first block is the per-message one when it has no recipient field.
        """
        blocks: list[dict[str, str]] = []
        for part, ctype in self.typed_parts:
            if ctype in ("message/delivery-status", "message/global-delivery-status",
                         "text/delivery-status", "message/feedback-report"):
                if ctype == "message/feedback-report":
                    continue
                most = self.limits.max_recipients
                payload = part.get_payload()
                if isinstance(payload, list) and most is not None:
                    payload = payload[: most + 2]
                text = _unfolded_field_blocks(payload) if isinstance(payload, list) else None
                blocks += parse_field_blocks(
                    text if text is not None else part_text(part, None if most is None else most + 2))
        unsplit = isinstance(self.msg.get_payload(), str)
        texts = [] if blocks else [part_text(self.msg)] if unsplit else [
            part_text(p) for p, ctype in self.typed_parts if ctype == "text/plain"]
        for text in texts:
            # MIME parts sent without the MIME headers (or with boundaries) the parser cannot see
            # (seen from Sendmail and others): read the delivery-status fields out of the text.
            m = ((_INLINE_DSN.search(text) if may_hold(text, _INLINE_DSN_NEEDS) else None)
                 or (_DSN_FIELD.search(text) if unsplit and may_hold(text, _DSN_FIELD_NEEDS) else None))
            if m:
                start = m.end() if m.group(0).lower().startswith("content-type") else m.start()
                end = _BOUNDARY_LINE.search(text, start)
                for block in parse_field_blocks(text[start: end.start() if end else len(text)]):
                    if not _DSN_KEYS.intersection(block):
                        break  # the returned message's header begins
                    blocks.append(block)
        return blocks

    @_view
    def feedback_fields(self) -> dict[str, str] | None:
        """The fields of an RFC 5965 message/feedback-report part, when there is one."""
        for part, ctype in self.typed_parts:
            if ctype == "message/feedback-report":
                merged: dict[str, str] = {}
                for block in parse_field_blocks(part_text(part)):
                    for k, v in block.items():
                        merged.setdefault(k, v)
                return merged
        return None

    @_view
    def original(self) -> Message | None:
        """The returned message (or its headers), where the bounce includes it."""
        for part, ctype in self.typed_parts:
            if ctype in ("message/rfc822", "message/global"):
                payload = part.get_payload()
                if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                    return payload[0]
            if ctype in ("text/rfc822-headers", "text/global-headers"):
                return _message_from_string(part_text(part).lstrip())
        # Non-MIME bounces: the headers that follow the "original message" marker.
        text = self.text_parts[0] if self.text_parts else ""
        m = self._marker
        if m:
            rest = text[m.end():].split("\n", 1)[-1].lstrip("\n")
            lines = rest.splitlines()
            # skip until the first header-looking line (some markers are followed by a blank line)
            for i, line in enumerate(lines[:10]):
                if _HEADER_LINE.match(line.lstrip("> ")):
                    block = "\n".join(ln[2:] if ln.startswith("> ") else ln for ln in lines[i:])
                    return _message_from_string(block)
        return None

    @_view
    def _original_index(self) -> dict[str, list[str]] | None:
        """The returned message's raw header values by lower-cased name (None: no returned message)."""
        orig = self.original
        if orig is None:
            return None
        index: dict[str, list[str]] = {}
        for k, v in orig._headers:  # raw_items(), without the copy
            index.setdefault(k.lower(), []).append(v if isinstance(v, str) else str(v))
        return index

    def original_header(self, name: str) -> str | None:
        """A header of the returned message, decoded, or None."""
        index = self._original_index
        if index is None:
            return None
        values = index.get(name.lower())
        return decode_header(values[0]) if values else None


_SCRIPT_OPEN = re.compile(r"(?i)<(script|style)\b")
_SCRIPT_CLOSE = {"script": re.compile(r"(?i)</script"), "style": re.compile(r"(?i)</style")}


def _drop_scripts(html: str) -> str:
    """``html`` without <script> and <style> elements (an unclosed one runs to the end).

    Found with str.find, not one ``<(script|style).*?</\\1>`` regex: on many unclosed tags that
    regex scans to the end from each of them (quadratic).
    """
    out = []
    pos = 0
    while True:
        m = _SCRIPT_OPEN.search(html, pos)
        if m is None:
            out.append(html[pos:])
            break
        out.append(html[pos: m.start()])
        close = _SCRIPT_CLOSE[m.group(1).lower()].search(html, m.end())
        if close is None:
            break
        end = html.find(">", close.start())
        pos = len(html) if end < 0 else end + 1
        out.append(" ")
    return "".join(out)


def _message_from_string(text: str) -> Message:
    """``email.message_from_string(text, policy=compat32)``, through the fast loader where it can."""
    msg = parse_fast(text)
    return msg if msg is not None else email.message_from_string(text, policy=email.policy.compat32)


def _strip_html(html: str) -> str:
    text = _drop_scripts(html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    import html as _html

    return _html.unescape(text)

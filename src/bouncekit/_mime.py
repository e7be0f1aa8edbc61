"""A fast loader for well-formed MIME messages that builds the same tree as the stdlib parser.

The stdlib :mod:`email` feed parser reads a message one line at a time through a stack of
end-of-part tests, which is most of the time bouncekit spends on a message. :func:`parse_fast`
cuts a message into regions with substring searches instead (headers up to the blank line, a
multipart's body at its boundary lines, a delivery-status part at its blank lines) and builds
the ``email.message.Message`` objects (policy ``compat32``) that the stdlib parser builds for
it: the same headers, payloads, preambles, epilogues and default types.

It takes the well-formed case, and the three defects common in bounces, which it records as the
stdlib parser does: a header block ended by a line that is no header (no blank line; in a
delivery-status part, a block of fields followed by other lines), a
multipart cut short before its closing boundary (a truncated returned message) and a multipart
without its opening boundary (cut before its first part). Wherever the
stdlib parser would take one of its rarer recovery paths (a doubled opening boundary, an envelope
line among the headers, a multipart with an encoding, a digest, line breaks other
than LF), it gives up and returns None, and the caller uses the stdlib parser.
``tests/test_fastpaths.py`` checks that the two trees are identical on every message of the
corpora and on mangled copies of them.
"""

from __future__ import annotations

import email.policy
import re
from email import errors
from email.message import Message

__all__ = ["boundary_of", "charset_of", "content_type_of", "parse_fast", "plain_payload_bytes"]

_POLICY = email.policy.compat32
# A header field: a name of printable ASCII other than ':' (not an envelope "From " line), ':',
# the blanks after it, the value (the rest of the line and the continuation lines, those beginning
# with a blank), and a line end. The value group is compat32's value: the blanks after the colon
# are not part of it, and it holds no final line end (and no CR: parse_fast leaves CRs to the stdlib).
# The lookbehind keeps a search linear (a start inside a run of name characters fails at once);
# the loader only matches at line starts, where it changes nothing.
_FIELD = re.compile(r"(?<![\041-\071\073-\176])(?!From )([\041-\071\073-\176]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)\n?")
# Characters that the stdlib's line splitting may treat as line ends besides LF (CR is checked apart).
_ODD_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
# What may follow "--boundary" on a boundary line: an optional "--" (the closing one) and blanks.
_BOUNDARY_TAIL = re.compile(r"(--)?[ \t]*")


class _GiveUp(Exception):
    """The message is not of the simple, well-formed kind: leave it to the stdlib parser."""


def parse_fast(text: str) -> Message | None:
    """The stdlib ``compat32`` tree of ``text`` (bytes decoded as ASCII with surrogate escapes), or None."""
    for ch in _ODD_BREAKS:
        if ch in text:
            return None
    try:
        msg = _entity(text, 0, len(text))[0]
    except _GiveUp:
        return None
    if isinstance(msg._payload, str) and content_type_of(msg).split("/")[0] == "multipart":  # type: ignore[attr-defined]
        msg.defects.append(errors.MultipartInvariantViolationDefect())  # as FeedParser.close() notes
    return msg


def _headers(text: str, pos: int, end: int) -> tuple[list[tuple[str, str]], int, bool]:
    """The header fields from ``pos``, where the body starts, and whether the blank line was missing.

    The blank line is eaten; a line that cannot be a header line ends the header block without it
    (and starts the body), as in the stdlib parser, which notes the missing blank line as a defect.
    A field's value is the rest of its first line without leading blanks, and its continuation
    lines, without the final line end (``compat32``'s ``header_source_parse``).
    """
    fields: list[tuple[str, str]] = []
    match = _FIELD.match
    m = match(text, pos, end)
    while m is not None:
        fields.append(m.groups())
        pos = m.end()
        m = match(text, pos, end)
    if pos >= end:
        return fields, pos, False
    ch = text[pos]
    if ch == "\n":
        return fields, pos + 1, False
    if ch in " \t" or text.startswith(("From ", ":"), pos):
        # a continuation line first, an envelope line, a field without a name: defects of their own
        raise _GiveUp
    return fields, pos, True  # the body begins without a blank line


def _new(fields: list[tuple[str, str]]) -> Message:
    msg = Message(policy=_POLICY)
    msg._headers = fields  # type: ignore[attr-defined]
    return msg


def _entity(text: str, start: int, end: int) -> tuple[Message, Message]:
    """The message in ``text[start:end]``, and the message whose final line end the enclosing
    boundary takes (the stdlib parser's "last" message)."""
    fields, body, missing = _headers(text, start, end)
    msg = _new(fields)
    if missing:
        msg.defects.append(errors.MissingHeaderBodySeparatorDefect())
    ctype = content_type_of(msg)
    if ctype == "message/delivery-status":
        # blocks of fields, one message each, separated by one blank line
        blocks = []
        pos = body
        while True:
            block_fields, pos, missing = _headers(text, pos, end)
            for name, _ in block_fields:
                if name.lower() == "content-type":
                    raise _GiveUp
            block = _new(block_fields)
            if missing:
                # a line that is no field ends the fields: the lines up to the next blank line are
                # the block's body, and the blank line after it is eaten
                blank = text.find("\n\n", pos, end)
                stop = end if blank < 0 else blank + 1
                block.defects.append(errors.MissingHeaderBodySeparatorDefect())
                block._payload = text[pos:stop]  # type: ignore[attr-defined]
                pos = stop + 1
            else:
                block._payload = ""  # type: ignore[attr-defined]
            blocks.append(block)
            if pos >= end:
                break
        msg._payload = blocks  # type: ignore[attr-defined]
        return msg, blocks[-1]
    maintype = ctype.split("/", 1)[0]
    if maintype == "message":
        inner, last = _entity(text, body, end)
        msg._payload = [inner]  # type: ignore[attr-defined]
        return msg, last
    if maintype == "multipart":
        _multipart(msg, ctype, text, body, end)
        return msg, msg
    msg._payload = text[body:end]  # type: ignore[attr-defined]
    return msg, msg


# --- parameters of a Message's Content-Type, read as the stdlib reads them ----------------------------
#
# Message.get_content_type(), get_boundary() and get_content_charset() go through the policy, the
# generic parameter parser (with RFC 2231 decoding, quoting and unquoting again) and a scan of all
# header names: 2-18 µs a call, several calls a part. For the common value (printable ASCII text,
# no backslash, no RFC 2231 '*'), the functions below give the same result directly; for any other
# value they ask the message. tests/test_fastpaths.py compares them with the stdlib on every part
# of the corpora and on random values.

def _first_value(msg: Message, lname: str) -> str | None:
    """The first value of the field ``lname`` (lower case) as held (``msg.get`` before the policy), or None."""
    size = len(lname)
    for name, value in msg._headers:  # type: ignore[attr-defined]
        # (the length first: most names are of another length, and a name that lower-cases to an
        # ASCII one has its length: of the non-ASCII letters, only U+0130 lower-cases to text with
        # an ASCII letter in it, and that text is two characters, one of them not ASCII)
        if len(name) == size and name.lower() == lname:
            return value
    return None


def _content_type_value(msg: Message) -> str | None:
    """The first Content-Type value as held (``msg.get("content-type")`` before the policy), or None."""
    return _first_value(msg, "content-type")


# The transfer encodings that get_payload(decode=True) decodes (compared as written, lower-cased).
_DECODED_ENCODINGS = ("quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue")


def plain_payload_bytes(msg: Message) -> bytes | None:
    """``msg.get_payload(decode=True)`` of an ASCII text payload that no transfer encoding changes
    (its bytes); None for any other payload: ask the message."""
    payload = msg._payload  # type: ignore[attr-defined]
    if not isinstance(payload, str) or not payload.isascii():
        return None
    encoding = _first_value(msg, "content-transfer-encoding")
    if encoding is not None and (not isinstance(encoding, str) or not encoding.isascii()
                                 or encoding.lower() in _DECODED_ENCODINGS):
        return None
    return payload.encode("ascii")


def content_type_of(msg: Message) -> str:
    """``msg.get_content_type()``."""
    value = _content_type_value(msg)
    if value is None:
        return msg.get_default_type()
    if not isinstance(value, str) or not value.isascii():
        return msg.get_content_type()  # an 8-bit value: the policy makes a Header of it
    ctype = value.partition(";")[0].strip().lower()
    return ctype if ctype.count("/") == 1 else "text/plain"


def _unquote(value: str) -> str:
    """``email.utils.unquote`` for a value without backslashes."""
    if len(value) > 1 and ((value[0] == '"' and value[-1] == '"') or (value[0] == "<" and value[-1] == ">")):
        return value[1:-1]
    return value


_NOT_SIMPLE = object()


def _simple_param(msg: Message, wanted: str) -> str | None | object:
    """The raw value (stripped, still quoted) of the first Content-Type parameter named ``wanted``
    (lower case), as ``Message._get_params_preserve`` splits the field; None when the message has
    no such parameter; ``_NOT_SIMPLE`` when the field is not of the simple kind."""
    value = _content_type_value(msg)
    if value is None:
        return None
    if not isinstance(value, str) or not value.isascii() or "\\" in value or "*" in value:
        return _NOT_SIMPLE
    rest = value
    while True:  # email.message._parseparam: split at the semicolons outside quotes
        end = rest.find(";")
        while end > 0 and rest.count('"', 0, end) % 2:
            end = rest.find(";", end + 1)
        if end < 0:
            end = len(rest)
        name, sep, param = rest[:end].partition("=")
        if name.strip().lower() == wanted:
            return param.strip() if sep else ""
        if end == len(rest):
            return None
        rest = rest[end + 1:]


def boundary_of(msg: Message) -> str | None:
    """``msg.get_boundary()``."""
    value = _simple_param(msg, "boundary")
    if value is _NOT_SIMPLE:
        return msg.get_boundary()
    if value is None:
        return None
    # get_param unquotes once, collapse_rfc2231_value once more
    return _unquote(_unquote(value)).rstrip()  # type: ignore[arg-type]


def charset_of(msg: Message) -> str | None:
    """``msg.get_content_charset()``."""
    value = _simple_param(msg, "charset")
    if value is _NOT_SIMPLE:
        return msg.get_content_charset()
    if value is None:
        return None
    return _unquote(value).lower()  # type: ignore[arg-type]


def _boundary_lines(text: str, sep: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """(start, end, closing) of each line in ``text[start:end]`` that is a boundary line for ``sep``."""
    found = []
    pos = text.find(sep, start, end)
    while pos >= 0:
        if pos == start or text[pos - 1] == "\n":
            nl = text.find("\n", pos, end)
            stop = end if nl < 0 else nl
            m = _BOUNDARY_TAIL.fullmatch(text, pos + len(sep), stop)
            if m is not None:
                found.append((pos, end if nl < 0 else nl + 1, m.group(1) is not None))
                if m.group(1) is not None:
                    break  # the rest is epilogue
        pos = text.find(sep, pos + 1, end)
    return found


def _multipart(msg: Message, ctype: str, text: str, start: int, end: int) -> None:
    boundary = boundary_of(msg)
    if boundary is None or ctype == "multipart/digest":
        raise _GiveUp
    if str(msg.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit", "binary"):
        raise _GiveUp
    lines = _boundary_lines(text, "--" + boundary, start, end)
    if not lines or lines[0][2]:
        # No opening boundary (a returned message cut before its first part, quoted headers
        # without their body): the stdlib keeps the text up to a closing boundary line (all of it
        # when there is none) as the payload, skips the rest and notes the defect.
        msg._payload = text[start:lines[0][0] if lines else end]  # type: ignore[attr-defined]
        msg.epilogue = ""
        msg.defects.append(errors.StartBoundaryNotFoundDefect())
        return
    closed = lines[-1][2]
    if not closed:
        # no closing boundary (a truncated message): the last part runs to the end
        if lines[-1][1] >= end:
            raise _GiveUp
        lines.append((end, end, False))
    first = lines[0][0]
    if first > start:
        preamble = text[start:first]
        msg.preamble = preamble[:-1] if preamble.endswith("\n") else preamble
    parts = []
    for (_, part_start, _), (next_start, _, _) in zip(lines, lines[1:]):
        if part_start >= next_start:
            raise _GiveUp  # two boundary lines in a row (or one at the very end)
        part, last = _entity(text, part_start, next_start)
        # the line end before a boundary line belongs to the boundary
        if content_type_of(last).split("/")[0] == "multipart":  # get_content_maintype()
            epilogue = last.epilogue
            if epilogue == "":
                last.epilogue = None
            elif epilogue is not None and epilogue.endswith("\n"):
                last.epilogue = epilogue[:-1]
        else:
            payload = last._payload  # type: ignore[attr-defined]
            if isinstance(payload, str) and payload.endswith("\n"):
                last._payload = payload[:-1]  # type: ignore[attr-defined]
        parts.append(part)
    msg._payload = parts  # type: ignore[attr-defined]
    if closed:
        # everything after the closing boundary line ("" when that line ends the text)
        msg.epilogue = text[lines[-1][1]:end]
    else:
        msg.defects.append(errors.CloseBoundaryNotFoundDefect())

"""The free-text scanner: recipients and their server's words in bounces written for people.

``scan_text`` reads an explanation line by line: addresses on their own or in sentences, the reply
or labelled reason printed next to, below or above them, printed SMTP exchanges, lists that share
one reason. The generic decoders (``rfc3464``, ``text``) and the vendor decoders whose notices are
free text use it; the pieces every decoder uses (``evidence``, DSN fields) stay in ``_common``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from .. import addresses, codes
from ..model import Evidence
from ._common import (NO_VALID_RECIPIENTS, _canonical_command, _join_continuations, command_of, delivery_verdict,
                      evidence, is_role)


# A quoted header of the returned message inside the explanation: its addresses are not recipients
# (except a quoted To/Cc, which the decoders that trust it read on purpose).
_QUOTED_HEADER = re.compile(
    r"(?i)^[\s>*|]*(?:from|to|cc|bcc|reply-to|sender|return-path|message-id|in-reply-to|references|"
    r"list-[\w-]+|errors-to|delivered-to|x-[\w-]+|received|subject|date|resent-[\w-]+|envelope-from|"
    r"dkim-signature|authentication-results|arc-[\w-]+)\s*:"
)
_FAILURE_CUE = re.compile(
    r"(?i)\b(?:fail\w*|unknown|not|no such|invalid|reject\w*|refus\w*|denied|undeliver\w*|unable|could ?n[o']t|"
    r"can ?n[o']t|bounc\w*|disabled|quota|full|exceed\w*|error\w*|expired|exist|inactive|blocked|problem\w*|"
    r"permanent\w*|temporar\w*|delay\w*|unavailable|suspend\w*|giving up|gave up|undelivered|returned)\b"
)
# Words that, ahead of an address in its own sentence, make it advice rather than a failure:
# "try michael.fox@...", "e.g., if a@b fails", "contact ...", "finger NAME@...", "... instead".
# ("send to" is no such word: "unable to send to a@b" is a failure.)
_ADVICE_CUE = re.compile(
    r"(?i)\b(?:try(?:ing)?|e\.\s?g\.|for (?:example|instance)|such as|instead|contact(?:ing)?|write to|"
    r"to reach|finger|ph\s+-s)\b"
)
# The end of a sentence: a full stop (or ! ?), maybe closing quotes, then white space.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s")
_GENERATED_FROM = re.compile(r"(?i)generated from\s*<?$")
_ADDR_LINE_ONLY = re.compile(r"^(?:[\s<>\"'*:-]*\s)?[^\s@]+@[^\s@]+(?:\s[\s<>\"'*:.,;-]*)?$")


def _sentence_around(lines: list[str], i: int, address: str) -> tuple[str, str] | None:
    """The sentence of ``lines[i]``'s paragraph that holds ``address``: (words before it, words after it)."""
    start = i
    while start > 0 and lines[start - 1].strip() and i - start < 12:
        start -= 1
    end = i + 1
    while end < len(lines) and lines[end].strip() and end - i < 12:
        end += 1
    before_lines = " ".join(x.strip() for x in lines[start:i])
    at = lines[i].lower().find(address.lower())
    if at < 0:
        return None
    before = (before_lines + " " + lines[i][:at].strip()).strip()
    after = (lines[i][at + len(address):].strip() + " " + " ".join(x.strip() for x in lines[i + 1:end])).strip()
    stops = list(_SENTENCE_END.finditer(before + " "))
    if stops:
        before = before[stops[-1].end():]
    stop = _SENTENCE_END.search(after + " ", 1)
    if stop:
        after = after[: stop.end()]
    return before, after


# A printed SMTP exchange in free text: the command the MTA sent, then the server's reply on the
# next line. Lines may be bare ("RCPT To:<a@b>" / "552 ..."), arrowed (">>> RCPT TO:<a@b>" /
# "<<< 550 ...", or the other way round: "Sent <<< RCPT TO:<a@b>" / "Received >>> 550 ...") or
# labelled ("hMailServer sent: RCPT TO:<a@b>" / "Remote server replied: 550 ...", IMail's
# "RCPT TO generated following response:" / "553 ...").
_EXCHANGE_SENT = re.compile(
    r"(?i)^[ \t>]*(?:(?:[^\s>]+[ \t]+){0,4}?(?:sent[ \t]*:|<<<|>>>|-->|<--)[ \t]*)?"
    r"(RCPT[ \t]+TO|MAIL[ \t]+FROM|DATA|EHLO|HELO)\b(.*)$")
_EXCHANGE_REPLY = re.compile(
    r"(?i)^[ \t>]*(?:(?:[^\s>]+[ \t]+){0,4}?(?:replied|said|<<<|>>>|-->|<--)[ \t]*:?[ \t]*)?([245]\d\d)(?:([ \t-])(.*))?$")


def printed_exchanges(text: str) -> list[tuple[str | None, str, str]]:
    """The refused commands of the SMTP exchanges printed in ``text``: (command, the command line,
    the server's whole reply), for each command line followed by a 4xx or 5xx reply."""
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        sent = _EXCHANGE_SENT.match(line)
        if not sent:
            continue
        reply = _EXCHANGE_REPLY.match(lines[i + 1])
        if not reply or reply.group(1)[0] not in "45":
            continue
        code, more = reply.group(1), reply.group(2) == "-"
        parts = [f"{code}{reply.group(2) or ' '}{(reply.group(3) or '').strip()}"]
        for nxt in lines[i + 2:i + 30]:
            if not more:
                break
            cont = _EXCHANGE_REPLY.match(nxt)
            if not cont or cont.group(1) != code:
                break
            parts.append(f"{code}{cont.group(2) or ' '}{(cont.group(3) or '').strip()}")
            more = cont.group(2) == "-"
        whole = _join_continuations(" ".join(parts)).strip()
        command: str | None = _canonical_command(sent.group(1))
        if command == "DATA" and addresses.find_addresses(whole):
            # a reply naming a recipient after DATA answered a pipelined RCPT TO, as a later
            # "503" / "554 no valid recipients" in the same batch confirms; otherwise it is unclear
            command = None
            for nxt in lines[i + 2:i + 30]:
                if not nxt.strip() or _EXCHANGE_SENT.match(nxt):
                    break
                later = _EXCHANGE_REPLY.match(nxt)
                if later and NO_VALID_RECIPIENTS.match(f"{later.group(1)} {later.group(3) or ''}"):
                    command = "RCPT"
                    break
        out.append((command, line, whole))
    return out


def _exchanges_by_address(text: str) -> dict[str, tuple[str | None, str]]:
    """(command, reply) of the printed exchanges, by each address their reply or RCPT TO names
    (the address in a MAIL FROM line is the sender's)."""
    out: dict[str, tuple[str | None, str]] = {}
    for command, line, reply in printed_exchanges(text):
        sent = _EXCHANGE_SENT.match(line)
        named = f"{line} {reply}" if sent and sent.group(1).upper().startswith("RCPT") else reply
        for address in addresses.find_addresses(named):
            out.setdefault(address.lower(), (command, reply))
    return out


# The server's reply inside a line of prose: a 4xx/5xx code at the start of the line or after a
# colon / '>' ("did not like our RCPT TO:" then "550 5.7.26 ...", "... returned was: 554 5.7.1 ...",
# "SMTP:RCPT host 192.0.2.1: 553 5.3.0 ...", "501: 5.1.8 ...", "550: : User unknown", a DSN-like
# "Diagnostic code: smtp; 550 ..."), or an
# enhanced status code standing there alone ("Status: 5.2.2", "(#5.1.1)"). Searched in the line
# with IP addresses, dates and times masked (codes.mask_noise), so a port or a clock is no code.
_REPLY_IN_LINE = re.compile(
    r"(?:^|[:;<>])[ \t]*[(\[#]?(?:([45][0-5]\d)(?=[ \t]*[:-]|[ \t]+\S|[ \t]*$)|[45]\.\d{1,3}\.\d{1,3}(?![\w.]))")
# A label that introduces the reason in words: "Reason:", "because:", "For the following reason:",
# "Technical details of permanent failure:", "Diagnostic:", and the same in a few other languages
# ("Grund:", "Raison :", "Motivo:", "Причина:", "原因:").
_REASON_LABEL = re.compile(
    r"(?i)^[ \t>*-]*(?:[\w'()]+[ \t]+){0,6}?(?:reasons?|because|cause|diagnos\w*|details?|explanation|"
    r"problem|server[ \t]+message|error[ \t]+message|remote[ \t]+server[ \t]+said|"
    r"grund|ursache|raison|motivo|raz[oó]n|причина|原因|理由)\b[^:：\n]{0,40}[:：][ \t]*(.*)$")
# "-------server message": a label with no colon
_LABEL_ONLY_LINE = re.compile(r"(?i)^[ \t>*]*-{3,}[ \t]*(?:server|error|remote)[ \t]+(?:message|reply|response)\b")
# Where the bounce's own words end and the returned message begins ("Message headers follow.",
# "---- START OF RETURNED MESSAGE ----", "------ Original message ------"): a region stops there.
_ORIGINAL_FOLLOWS = re.compile(
    r"(?i)^[ \t>]*(?:[-=*]{2,}[^\n]{0,20}?\b(?:original|returned|undelivered|unsent)\b"
    r"|[^\n]{0,40}\b(?:headers?|message|original)\b[^\n]{0,20}\bfollows?\b)")
# "(expanded from: alias@...)", "(generated from alias@...)": the address the recipient was expanded from
_EXPANDED_FROM = re.compile(r"(?i)\b(?:expanded|generated)\s+from\b")


# The command a reply answered, named at the end of the words just before it ("... did not like
# our RCPT TO:", "... our final DATA:", "Error after MAIL FROM:").
_COMMAND_BEFORE = re.compile(r"(?i)\b(RCPT[ \t]+TO|MAIL[ \t]+FROM|(?:end[ \t]+of[ \t]+)?DATA|HELO|EHLO)[ \t]*:?[ \t]*$")


_HOST_SUMMARY = re.compile(r"^[ \t]*[245]\d\d[ \t][^\n@]{0,100}?\.\.\.(?:[ \t]|$)")


_LINE_CODE = re.compile(r"^[ \t]*(?:(?:<<<|>>>)[ \t]*)?([245]\d\d|>>>|(?i:RCPT|MAIL|DATA|EHLO|HELO)\b)")


def _words_before(lines: list[str], i: int, key: str, named: _Named) -> str:
    """The explanation of an address that stands alone: the paragraph before it, and the one before
    that when it is only the heading of a list ("The following recipients did not receive it:")."""
    before: list[str] = []
    extended = False
    i = named.lists.get(i, (i, i))[0]
    k = i - 1
    while k >= max(0, i - 16):
        prev = lines[k]
        if not prev.strip():
            if before:
                if extended or not (before[0].rstrip().endswith(":") and len(before) <= 2):
                    break
                extended = True
            k -= 1
            continue
        if (named.get(k, set()) - {key} and before) or _QUOTED_HEADER.match(prev):
            break
        before.insert(0, prev)
        k -= 1
    return " ".join(x.strip() for x in before)


def _words_after(lines: list[str], i: int, key: str, named: _Named) -> str:
    """The paragraph after line ``i`` (the end of an address's own paragraph), inside the address's
    region; with the next one too when it is only a heading ("----- Non-delivered information -----")."""
    out: list[str] = []
    paragraph: list[str] = []
    for j in _region(lines, i, key, named, 1):
        if lines[j].strip():
            if named.get(j, set()) - {key}:
                continue  # the other items of the address's list
            paragraph.append(lines[j].strip())
            continue
        if paragraph:
            out += paragraph
            if not (len(paragraph) == 1 and (paragraph[0].endswith(":") or _HEADING.match(paragraph[0]))):
                break
            paragraph = []
    else:
        out += paragraph
    return " ".join(out[:12])


_HEADING = re.compile(r"^[-=*]{3,}[^-=*]{0,60}[-=*]{3,}$")  # "----- Non-delivered information -----"


# Words right before an address that make it the sender: "sent by", "from" (not "expanded from").
_SENDER_BEFORE = re.compile(r"(?i)(?:\bsent\ by|\bsender|\boriginator|\benvelope[- ]from|\bmail\ from|"
                            r"(?<!expanded\ )(?<!generated\ )\bfrom)[ \t]*:?[ \t]*[<(\"']?$")


def _text_before(lines: list[str], i: int, addr: str) -> str:
    """The words before ``addr`` on line ``i`` (stripped of '<'), or the previous non-blank line's
    when the address opens its line."""
    at = lines[i].lower().find(addr.lower())
    before = lines[i][:max(0, at)].rstrip(" \t<\"'(")
    if before.strip():
        return before[-60:]
    for k in range(i - 1, max(-1, i - 3), -1):
        if lines[k].strip():
            return lines[k].rstrip()[-60:]
    return ""


# "SMTP command: DATA", "Failed command:" with "RCPT TO" on the next line, "-------SMTP command".
_COMMAND_LABEL = re.compile(r"(?i)^[ \t>*-]*(?:(?:smtp|failed|last|rejected)[ \t]+)?command[ \t]*:?[ \t]*(.*)$")
_COMMAND_NAME = re.compile(r"(?i)^[ \t]*(RCPT(?:[ \t]+TO)?|MAIL(?:[ \t]+FROM)?|DATA|EHLO|HELO|LHLO)\b")


def _command_labelled(lines: list[str], i: int, key: str, named: _Named) -> str | None:
    """The refused command under a label in the address's region ("SMTP command: DATA")."""
    region = _region(lines, i, key, named, 1)
    for n, j in enumerate(region):
        label = _COMMAND_LABEL.match(lines[j])
        if label is None:
            continue
        rest = label.group(1)
        if not rest.strip():
            rest = next((lines[k] for k in region[n + 1:n + 3] if lines[k].strip()), "")
        name = _COMMAND_NAME.match(rest)
        return _canonical_command(name.group(1)) if name else None
    return None


_RECIPIENT_LABEL = re.compile(r"(?i)(?:^|[\s*>-])(?:(?:failed|original|final|intended|invalid)[ \t]+)?recipient"
                              r"(?:[ \t]+address)?[ \t]*:[ \t]*[<\"']?[ \t]*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _is_list_item(line: str) -> bool:
    """A line that holds only an address (a list item), not an "<address>:" heading of its own paragraph."""
    return bool(_ADDR_LINE_ONLY.match(line)) and not line.rstrip().endswith(":")


def _region(lines: list[str], i: int, key: str, named: _Named, step: int) -> list[int]:
    """Line indexes around line ``i`` that tell about its address only, walking ``step`` (+1 or -1).

    The walk starts past the list of bare addresses that line ``i`` belongs to (the same words are
    about them all) and stops at a line naming another recipient, at the returned message's
    headers, and after 40 lines.
    """
    out: list[int] = []
    span = named.lists.get(i)
    start = (span[1] if step == 1 else span[0]) if span else i
    j = start + step
    while 0 <= j < len(lines) and abs(j - start) <= 40:
        if _QUOTED_HEADER.match(lines[j]) or _ORIGINAL_FOLLOWS.match(lines[j]) or named.get(j, set()) - {key}:
            break
        out.append(j)
        j += step
    return out


class _Named(dict):  # type: ignore[type-arg]
    """The lines that name a possible recipient (line index -> the addresses, lower-cased), and
    ``lists``: for each line of a list of bare addresses, the first and last line of the list."""

    lists: dict[int, tuple[int, int]]


def _lists_of(lines: list[str], named: _Named) -> dict[int, tuple[int, int]]:
    """The lists of bare addresses (one per line, blank lines allowed between): line -> (first, last)."""
    out: dict[int, tuple[int, int]] = {}
    run: list[int] = []
    for i, line in enumerate(lines + [""]):
        if i < len(lines) and i in named and _is_list_item(line):
            run.append(i)
            continue
        if not line.strip() and i < len(lines):
            continue
        for k in run:
            out[k] = (run[0], run[-1])
        run = []
    return out


def _paragraph_from(lines: list[str], j: int, start: int, named: _Named, key: str) -> str:
    """Line ``j`` from column ``start``, with the lines of its paragraph that follow (at most 10),
    stopping before a line that names another recipient."""
    parts = [lines[j][start:].strip()]
    first = _LINE_CODE.match(parts[0])
    for k in range(j + 1, min(len(lines), j + 11)):
        if not lines[k].strip() or (named.get(k, set()) - {key}):
            break
        code = _LINE_CODE.match(lines[k])
        if code and (first is None or code.group(1) != first.group(1)):
            break  # the next reply or command of a transcript, or another summary line
        parts.append(lines[k].strip())
    return " ".join(p for p in parts if p)


def _reply_near(lines: list[str], i: int, key: str, named: _Named,
                steps: tuple[int, int] = (1, -1)) -> tuple[str, str] | None:
    """The server's reply about the address of line ``i``, found in the lines after it (else before it):
    (the words before the reply in its paragraph, the reply and the rest of its paragraph)."""
    for step in steps:
        region = _region(lines, i, key, named, step)
        for j in region if step == 1 else reversed(region):
            line = lines[j]
            if not line.strip() or (named.get(j, set()) - {key}):
                continue
            m = _REPLY_IN_LINE.search(codes.mask_noise(line))
            if not m:
                continue
            if _HOST_SUMMARY.match(line):
                continue  # sendmail's own summary for a host ("421 example.org (smtp)... Deferred"), no reply
            start = m.start() + (m.group(0)[0] in ":;<>")
            before = " ".join(x.strip() for x in lines[max(0, j - 2):j] if x.strip()) + " " + line[:start]
            return before.strip(), _paragraph_from(lines, j, start, named, key)
    return None


def _reason_near(lines: list[str], i: int, key: str, named: _Named) -> str | None:
    """The reason in words under a label after the address of line ``i`` ("Reason: ...", "because:"
    with the reason in the next paragraph)."""
    region = _region(lines, i, key, named, 1)
    for n, j in enumerate(region):
        m = _REASON_LABEL.match(lines[j])
        if m is None and not _LABEL_ONLY_LINE.match(lines[j]):
            continue
        if m is not None and m.group(1).strip():
            return _paragraph_from(lines, j, m.start(1), named, key)
        for k in region[n + 1:]:
            if lines[k].strip():
                return _paragraph_from(lines, k, 0, named, key) if not (named.get(k, set()) - {key}) else None
        return None
    return None


def _evidence_at(lines: list[str], i: int, addr: str, named: _Named,
                 exchanges: dict[str, tuple[str | None, str]]) -> tuple[Evidence, int] | None:
    """The evidence for ``addr`` from its mention on line ``i``, and how surely the words tell of a
    failure (2: a code or failure words in its own sentence, 1: failure words nearby, 0: none);
    None when the mention is advice ("try a@b")."""
    key = addr.lower()
    line = lines[i]
    lead = _SUMMARY_LEAD.match(line)
    at = line.lower().find(key)
    if lead and at >= 0 and line[at + len(key):].lstrip(">").startswith("..."):
        # sendmail's summary "554 <a@b>... 550 Host unknown": the words (and the server's code,
        # when they hold one) come after the dots; the leading code is the reporting MTA's own
        line = line[at + len(key):].lstrip(">")[3:]
    elif at >= 0 and not line[:at].strip(" \t<*-"):
        # "a@b: 550 5.1.1 ..." / "<a@b>: host x said: ...": the words after the address and its colon
        rest = line[at + len(key):].lstrip(">").lstrip(" \t")
        if rest.startswith(":") and rest[1:].strip():
            line = rest[1:]
    summary = lead is not None and line is not lines[i]
    diag_lines = [line]
    for k in range(i + 1, min(len(lines), i + 12) if not summary else i + 1):  # a summary is one line
        nxt = lines[k]
        if not nxt.strip() or named.get(k, set()) - {key}:
            break  # a blank line, or the line of another recipient, ends the paragraph
        if "@" in nxt and _ADDR_LINE_ONLY.match(nxt) and addresses.find_addresses(nxt):
            break
        diag_lines.append(nxt)
    diag = " ".join(x.strip() for x in diag_lines)
    alone = bool(_ADDR_LINE_ONLY.match(lines[i]))
    # "<a@b>:" then its reason, or an address with its reason indented under it (Exim's
    # "  a@b" / "    Unrouteable address"): the words are about this address alone
    heading = alone and len(diag_lines) > 1 and (lines[i].rstrip().endswith(":") or _indent(diag_lines[1]) > _indent(lines[i]))
    # "Recipient: <a@b>", "Failed recipient address: a@b": labelled as a recipient
    heading = heading or bool(_RECIPIENT_LABEL.search(lines[i][:max(0, at)]))
    if alone:  # the address and its wrapping ("<a@b>:") are not words
        diag = re.sub(r"<?\s*" + re.escape(addr) + r"\s*>?\s*:?", " ", diag, count=1, flags=re.IGNORECASE)
    exchange = exchanges.get(key)
    own_codes = bool(codes.find_reply_code(diag) or codes.find_status(diag))
    near = None
    if exchange is None and not own_codes:
        # the reply is often printed apart from the address: in the paragraph below it
        # ("... did not like our RCPT TO:" / "550 5.7.26 ..."), or above a list of recipients
        # (sendmail prints the server's reply above its summary line: there, look above first)
        near = _reply_near(lines, i, key, named, (-1, 1) if summary else (1, -1))
        if near is None and len(diag.strip(" <>:*-")) < 8:
            diag = _words_before(lines, i, key, named) + " " + diag
    if exchange:  # the server's own reply to the command that named (or was refused for) it
        ev = evidence(addr, exchange[1], command=exchange[0])
    elif near is not None:
        said = _COMMAND_BEFORE.search(near[0])
        command = _canonical_command(said.group(1)) if said else command_of(near[0])
        ev = _text_evidence(addr, near[1], command=command or command_of(diag))
    else:
        ev = _text_evidence(addr, diag.strip(" :"))
        if not own_codes and not (ev.status or ev.reply_code):
            reason = _reason_near(lines, i, key, named)
            if reason:
                ev = _text_evidence(addr, reason, command=command_of(diag))
            else:
                # no reply and no label: the paragraph after the address's own tells what happened
                # ("There was an error delivering your mail to <a@b>." / "DNS lookup failure: ...")
                after = _words_after(lines, i + len(diag_lines) - 1, key, named)
                if after:
                    ev = _text_evidence(addr, (diag.strip(" :") + " " + after).strip())
    if ev.command is None and (ev.reply_code or ev.status):
        labelled = _command_labelled(lines, i, key, named)
        if labelled:
            ev = replace(ev, command=labelled)
    if summary and not ev.reply_code:
        ev = evidence(addr, ev.diagnostic, status=ev.status, reply_code=lead.group(1), remote_mta=ev.remote_mta,
                      command=ev.command, clean=False)
    sentence = None if alone else _sentence_around(lines, i, addr)
    if sentence is not None and _ADVICE_CUE.search(sentence[0]):
        return None
    if ev.status or ev.reply_code or heading:
        score = 2
    elif _FAILURE_CUE.search(ev.diagnostic):
        # in prose, the failure must be told in the address's own sentence to count fully
        score = 2 if sentence is None or _FAILURE_CUE.search(" ".join(sentence)) else 1
    else:
        score = 0
    return ev, score


# A reply code followed by a colon ("550: : User unknown", "501: 5.1.8 ...", "host x [192.0.2.1]: 550 :")
# or labelled ("ERROR_CODE :550", "reply code = 421", "[SMTP Error Code 550]"), which
# codes.find_reply_code does not take.
_REPLY_COLON = re.compile(r"(?:^|[\s:\]])([45][0-5]\d)[ \t]*:(?=\s|$)"
                          r"|(?i:\b(?:error|reply|response|smtp)[_ \t]?code[ \t]*[:=]?[ \t]*)([45][0-5]\d)\b")
# A 4xx/5xx reply in a printed session, after a blank, an arrow or a colon: "<-- 550 5.1.1 ...".
_FAILURE_REPLY = re.compile(r"(?:^|[\s:<>])([45][0-5]\d)(?=[ -][245]\.\d|[ -][A-Za-z<(\[])")
# sendmail's summary line: "554 <a@b>... words", "550 5.1.1 a@b... User unknown"
_SUMMARY_LEAD = re.compile(r"^[ \t]*([245]\d\d)[ \t]+(?:[245]\.\d{1,3}\.\d{1,3}[ \t]+)?<?[^\s<>@]")


def _text_evidence(addr: str, diag: str, command: str | None = None) -> Evidence:
    """:func:`evidence`, also reading a reply code written with a colon or a label.

    Words holding a printed session ("<-- 250 2.1.0 Ok ... <-- 550 5.1.1 ...") give the refusal,
    not the first success reply: the diagnostic then starts at the first 4xx/5xx reply."""
    ev = evidence(addr, diag, command=command)
    if (ev.reply_code or ev.status or "5")[0] == "2":
        masked = codes.mask_noise(diag)
        failure = _FAILURE_REPLY.search(masked)
        if failure:
            ev = evidence(addr, diag[failure.start(1):], command=command)
    if ev.reply_code is None and ev.diagnostic:
        m = _REPLY_COLON.search(codes.mask_noise(ev.diagnostic))
        if m:
            ev = evidence(addr, ev.diagnostic, status=ev.status, reply_code=m.group(1) or m.group(2),
                          remote_mta=ev.remote_mta, command=ev.command, clean=False)
    return ev


def scan_text(text: str, exclude: Iterable[str] = ()) -> list[Evidence]:
    """Recipients and their diagnostics from a free-text bounce explanation.

    Each address (not one of ``exclude``, not a role account, not the sender the text names, not
    in the returned message's quoted headers) is taken with the words that explain it: the rest of
    its line and the indented/continued lines under it; else the server's reply printed in its
    region (the lines up to the next recipient, past the list it belongs to, below it or above
    it); else a labelled reason ("Reason:", "because:"); else the paragraph after it, or, when the
    address stands alone, the paragraph before it (and the one before a list heading). See
    docs/classification.md, "Bounces no vendor decoder knows".

    Which of the addresses failed is read from their own sentences: an address after advice
    words ("try x@y", "e.g.", "contact", "... instead") is advice, never a recipient; an address
    whose sentence (or reply code) tells of a failure beats one that only shares a paragraph
    with such words ("The standard form is a@b although ... The address c@d did not match").
    """
    excluded = {e.lower() for e in exclude}
    lines = text.splitlines()
    exchanges = _exchanges_by_address(text)
    found = _scan(lines, excluded, exchanges, roles=False)
    if not found:
        # A role account can be the recipient too ("There was an error delivering your mail to
        # <postmaster@example.org>"): taken only when nothing else failed, when its own words tell
        # of the failure, and when it is not an account of the bounce's own parties' domains.
        own = {e.rsplit("@", 1)[-1] for e in excluded}
        found = [ev for ev in _scan(lines, excluded, exchanges, roles=True, surely=True)
                 if ev.recipient and ev.recipient.rsplit("@", 1)[-1].lower() not in own]
    reason = _notice_reason(lines) if any(not (ev.status or ev.reply_code) for ev in found) else None
    if reason:
        found = [ev if ev.status or ev.reply_code or reason in ev.diagnostic
                 else _text_evidence(ev.recipient or "", f"{ev.diagnostic} {reason}".strip(), command=ev.command)
                 for ev in found]
    verdict = delivery_verdict(text) if found else None
    if verdict is not None:
        found = [_as_said(ev, verdict) for ev in found]
    return found


# "This message was undeliverable due to the following reason:", "... for the following reason:":
# the notice states one reason for all its recipients, in the paragraphs under that line.
_NOTICE_REASON = re.compile(r"(?i)\bthe following (?:reasons?|errors?|problems?)[ \t]*:[ \t]*$")


def _notice_reason(lines: list[str]) -> str | None:
    """The reason a notice gives for all its recipients: the paragraphs under its "... the
    following reason:" line, up to a list heading (a line ending in ':'), a line holding an address,
    the returned message, or 12 lines."""
    for i, line in enumerate(lines[:60]):
        if not _NOTICE_REASON.search(line):
            continue
        out: list[str] = []
        for nxt in lines[i + 1:i + 30]:
            if not nxt.strip():
                continue
            if (nxt.rstrip().endswith(":") and out) or _ORIGINAL_FOLLOWS.match(nxt) or _QUOTED_HEADER.match(nxt):
                break
            if out and "@" in nxt and addresses.find_addresses(nxt):
                break
            out.append(nxt.strip())
            if len(out) >= 12:
                break
        return " ".join(out) or None
    return None


def _as_said(ev: Evidence, verdict: str) -> Evidence:
    """``ev`` with the action the notice as a whole gives it: a warning ("Delivery attempts will
    continue", "has not yet been delivered") delays what no permanent code failed; a notice that
    gave up fails what only a transient code delayed."""
    if verdict == "delayed" and ev.action == "failed" and (ev.status or ev.reply_code or "")[:1] != "5":
        return replace(ev, action="delayed")
    if verdict == "failed" and ev.action == "delayed":
        return replace(ev, action="failed")
    return ev


def _scan(lines: list[str], excluded: set[str], exchanges: dict[str, tuple[str | None, str]], *,
          roles: bool, surely: bool = False) -> list[Evidence]:
    """:func:`scan_text` over ``lines``; role accounts taken only with ``roles``, and with ``surely``
    only the addresses whose own words tell of a failure."""
    # the lines that name a possible recipient, with the addresses they name
    # (an alias a recipient was expanded from belongs to the recipient's paragraph: it is left out)
    # the returned message's header lines quoted in the text, with their folded continuation lines
    headers: set[int] = set()
    for i, line in enumerate(lines):
        if _QUOTED_HEADER.match(line) or (i - 1 in headers and line[:1] in (" ", "\t") and line.strip()):
            headers.add(i)
    named = _Named()
    aliases: set[str] = set()
    for i, line in enumerate(lines):
        if "@" in line and i not in headers:
            keys = {a.lower() for a in addresses.find_addresses(line)}
            keys = {k for k in keys if k not in excluded and (roles or not is_role(k))}
            expanded = _EXPANDED_FROM.search(line)
            if expanded:
                aliases.update(a.lower() for a in addresses.find_addresses(line[expanded.end():]))
            if keys:
                named[i] = keys
    for i in list(named):
        named[i] -= aliases
        if not named[i]:
            del named[i]
    named.lists = _lists_of(lines, named)
    mentions: dict[str, int] = {}
    found: dict[str, Evidence] = {}
    rank: dict[str, int] = {}
    for i, line in enumerate(lines):
        if "@" not in line or i in headers:
            continue
        for addr in addresses.find_addresses(line):
            key = addr.lower()
            if key in excluded or (not roles and is_role(addr)) or "/" in key.rsplit("@", 1)[0]:
                continue  # (a file path ending in an address, "/home/u/.forward/a@b", names no recipient)
            if key in found and (found[key].reply_code or mentions.get(key, 0) >= 3):
                continue  # (a reply found, or three mentions read: enough)
            mentions[key] = mentions.get(key, 0) + 1
            if _GENERATED_FROM.search(line[: max(0, line.find(addr))]):
                continue  # Exim's "(generated from alias@...)": the address the recipient was expanded from
            if _SENDER_BEFORE.search(_text_before(lines, i, addr)):
                continue  # "A message sent by <a@b>", "received from a@b": the sender, not a recipient
            taken = _evidence_at(lines, i, addr, named, exchanges)
            if taken is None:
                continue  # advice: "if a@b fails, try c@d"
            ev, score = taken
            if key in found:
                # a later mention with the server's reply ("Remote Server returned '550 5.1.1 ...'")
                # beats an earlier one without it
                if ev.reply_code and score >= rank[key]:
                    found[key], rank[key] = ev, score
                continue
            found[key], rank[key] = ev, score
    # Addresses whose words say nothing of a failure (a signature, a quoted List-Id) are not
    # failed recipients when others' words do.
    best = max(rank.values(), default=0)
    if surely and best < 2:
        return []
    return [ev for key, ev in found.items() if rank[key] == best]

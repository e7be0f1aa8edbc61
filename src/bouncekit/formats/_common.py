"""Pieces every format decoder uses: DSN field reading, diagnostic cleaning, transcripts (the
free-text scanner is in ``_scan``).

Decoders differ in where they find the recipient and the server's words; what they do with
them afterwards is the same, and lives here once.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import addresses, codes
from .._prefilter import may_hold
from ..mail import Mail, unfold
from ..model import Evidence, Group

# "host mx.example.com[192.0.2.1] said:" and friends: the wrapping around the server's words.
_HOST_SAID = re.compile(
    r"""(?ix)
    (?:^|\s)(?:remote\ )?host\s+\[?([\w.-]+\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})\]?
    (?:\s*\[[^\]]*\])?\s*(?:\([^)]*\))?\s*(?:said|says|replied|responded|refused\ to\ talk\ to\ me)\s*:?\s*
    """,
)
_IN_REPLY_TO = re.compile(
    r"(?i)(?:\(|(?<![\s(]))\s*in reply to\s+(?:end of\s+)?(RCPT TO|MAIL FROM|DATA|HELO|EHLO|LHLO|RSET|QUIT|"
    r"end of data|the end of data|message data|RCPT|MAIL|AUTH|STARTTLS)\b[^)]*\)?\.?\s*$"
)
_COMMAND_WORDS = (
    ("RCPT", re.compile(r"(?i)\bRCPT(?:\s+TO)?\b")),
    ("MAIL", re.compile(r"(?i)\bMAIL\s+FROM\b")),
    ("DATA", re.compile(r"(?i)\b(?:end of )?DATA\b")),
    ("HELO", re.compile(r"(?i)\b(?:HELO|EHLO)\b")),
)
_UNIX_DIAG_TYPE = re.compile(r"(?i)^\s*(?:x-)?unix\s*;")
_DIAG_TYPE = re.compile(r"(?i)^\s*(smtp|x-[\w-]+|x400|mta|unix|x-unix|x-postfix|x-local|unknown)\s*;\s*")

# What every match of the pattern contains (see bouncekit._prefilter): a text without it is not searched.
_HOST_SAID_NEEDS = ("host",)
_IN_REPLY_TO_NEEDS = ("in reply to",)


# Role accounts that bounces name (for contact) but that are never the failed recipient.
ROLE_LOCALPARTS = frozenset({"postmaster", "mailer-daemon", "mailerdaemon", "mail-daemon", "abuse", "hostmaster",
                             "webmaster", "noc", "root", "double-bounce", "bounce", "bounces", "nobody",
                             "no-reply", "noreply", "daemon"})


def command_of(text: str) -> str | None:
    """The SMTP command a text says the refusal answered ("... after RCPT TO:", "in reply to DATA")."""
    m = _in_reply_to(text)
    if m:
        return _canonical_command(m.group(1))
    # Exim: "after pipelined RCPT TO:<a@b>" is a reply to RCPT TO, sent in a pipelined batch
    lower = text.lower().replace("after pipelined ", "after ")
    for marker, command in _SESSION_MARKERS:
        if marker in lower:
            return command
    if not any(piece in lower for piece in _COMMAND_MARKER_PIECES):
        return None  # (most texts: no marker below can be in it)
    for marker in _COMMAND_MARKERS:
        if marker in lower:
            if "greeting" in marker:
                return "CONN"
            return _canonical_command(marker.replace("after ", "").replace("response to ", "")
                                      .replace(" response", "").replace("for ", "")
                                      .replace("while sending ", "").replace("while performing the ", ""))
    return None


# The phrases that name the command a reply answered, the first found winning; each holds one of
# the pieces after them, tested first.
_COMMAND_MARKERS = ("after rcpt to", "after mail from", "after end of data", "after data", "after helo",
                    "after ehlo", "after initial connection", "after pipelined", "response to rcpt",
                    "rcpt to response", "for rcpt to", "while sending rcpt to", "while sending mail from",
                    "while sending message body", "while sending end of data", "while sending data",
                    "while receiving the initial server greeting", "while performing the ehlo",
                    "while performing the helo")
_COMMAND_MARKER_PIECES = ("after ", "response", "for rcpt", "while ")


def _in_reply_to(text: str) -> re.Match[str] | None:
    """``_IN_REPLY_TO.search(text)``, started where the first match can start at the earliest.

    The pattern begins with an alternation, which the regex engine tries at every position (about
    9 µs over a Postfix paragraph). Every match holds "in reply to" after blanks and perhaps a "(",
    and ends at the end of the text: so no match starts before the first "in reply to" less the
    blanks and the character before it (the pattern's lookbehind still sees the text before the
    start). Offsets of the lower-cased text are the text's own for ASCII text only: others are
    searched whole.
    """
    if not may_hold(text, _IN_REPLY_TO_NEEDS):
        return None
    if not text.isascii():
        return _IN_REPLY_TO.search(text)
    at = text.lower().find("in reply to")
    return _IN_REPLY_TO.search(text, max(0, len(text[:at].rstrip()) - 1))


# Phrases in which an MTA tells at which step of the session it was refused: Postfix 'server
# refused to talk to me' (a negative greeting), qmail-remote 'Connected to x but my name was
# rejected' (HELO) and '... but sender was rejected' (MAIL FROM).
_SESSION_MARKERS = (("refused to talk to me", "CONN"), ("but my name was rejected", "HELO"),
                    ("but sender was rejected", "MAIL"))


def _canonical_command(word: str) -> str:
    w = word.upper()
    if "RCPT" in w:
        return "RCPT"
    if "MAIL" in w:
        return "MAIL"
    if "DATA" in w or "MESSAGE" in w or "PIPELINED" in w:
        return "DATA"
    if "HELO" in w or "EHLO" in w:
        return "HELO"
    if "CONNECTION" in w:
        return "CONN"
    return w.split()[0]


def clean_diagnostic(text: str) -> tuple[str, str | None]:
    """The server's words without the wrapping; returns (diagnostic, remote host or None)."""
    text = unfold(text)
    text = _DIAG_TYPE.sub("", text)
    host = None
    m = _HOST_SAID.search(text) if may_hold(text, _HOST_SAID_NEEDS) else None
    if m:
        host = m.group(1).lower()
        text = text[m.end():]
    m = _in_reply_to(text)
    if m:  # (_IN_REPLY_TO.sub: a match ends at the end of the text, so there is one at most)
        text = text[:m.start()] + text[m.end():]
    text = text.strip()
    return _join_continuations(text), host


# "550-5.7.26 first line 550-5.7.26 second line 550 5.7.26 last": a multi-line reply, unfolded.
_CONTINUED = re.compile(r"^([245]\d\d)-(?:([245]\.\d{1,3}\.\d{1,3})\s)?")


def _join_continuations(text: str) -> str:
    """A multi-line SMTP reply as one reply: the code (and enhanced code) once, at the start."""
    m = _CONTINUED.match(text)
    if not m:
        return text
    code, status = m.group(1), m.group(2)
    prefix = re.escape(code) + r"[- ]" + (r"(?:" + re.escape(status) + r"\s)?" if status else "")
    body = re.sub(r"\s" + prefix, " ", text[m.end():])
    return f"{code} {status + ' ' if status else ''}{body}".strip()


_REPLY_LEAD = re.compile(r"^(\d{3})[- ](?:([245]\.\d{1,3}\.\d{1,3})\s)?")


_TRANSCRIPT_REPLY = re.compile(r"^\s*<<<\s*(\d{3})([- ])(.*)$")


def complete_reply(text: str, diagnostic: str) -> str:
    """The whole multi-line reply when a DSN field holds only its first line (sendmail writes
    ``550-5.7.1 first line`` into Diagnostic-Code and the rest only into its session transcript)."""
    first = _DIAG_TYPE.sub("", unfold(diagnostic)).strip()
    if not re.match(r"\d{3}-", first):
        return diagnostic
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _TRANSCRIPT_REPLY.match(line)
        if not m or " ".join((m.group(1) + m.group(2) + m.group(3)).split()) != " ".join(first.split()):
            continue
        parts = [first]
        for following in lines[i + 1: i + 50]:
            n = _TRANSCRIPT_REPLY.match(following)
            if not n or n.group(1) != m.group(1):
                break
            parts.append(n.group(1) + n.group(2) + n.group(3).strip())
            if n.group(2) == " ":
                break
        return _join_continuations(" ".join(parts)) if len(parts) > 1 else diagnostic
    return diagnostic


# What a notice says of the delivery as a whole: the MTA gave up on it (a final failure, whatever
# the code of the last attempt) or it is still trying (a warning: the delivery is delayed).
# "will give up" and "Will keep trying until ... 5 days old" are said in warnings, so only the
# past or present of giving up counts.
_GAVE_UP = re.compile(
    r"(?i)\b(?:gave up|(?:have|has|I've|we've) given up|giving up|not going to try again|will not (?:be )?retr(?:y|ied)"
    r"|no (?:further|more) (?:delivery )?attempts|(?:has|have) been in the queue too long|(?:delivery|was) aborted after"
    r"|this is a permanent (?:error|failure))\b")
_STILL_TRYING = re.compile(
    r"(?i)\b(?:(?:has|have) not (?:yet )?been delivered yet|(?:has|have) not yet been delivered|will (?:continue to )?be retried"
    r"|will (?:keep )?(?:retrying|trying)|will (?:try|attempt) (?:again|to (?:re)?deliver)|delivery attempts will continue"
    r"|(?:has|have) been (?:delayed|postponed)|still (?:trying|being retried)|this is (?:just |only )?a warning"
    r"|no action is required|do not need to (?:take any action|resend))\b")


def delivery_verdict(text: str) -> str | None:
    """"failed" when ``text`` says the MTA gave up, "delayed" when it says it is still trying, None
    when it says neither or both."""
    gave_up = _GAVE_UP.search(text) is not None
    trying = _STILL_TRYING.search(text) is not None
    if gave_up == trying:
        return None
    return "failed" if gave_up else "delayed"


def evidence(recipient: str | None, diagnostic: str = "", *, status: str | None = None,
             reply_code: str | None = None, action: str | None = None, remote_mta: str | None = None,
             command: str | None = None, hint: Group | None = None, clean: bool = True) -> Evidence:
    """Build an Evidence, reading codes, command and host out of the diagnostic where not given."""
    if clean:
        command = command or command_of(diagnostic)
        diagnostic, host = clean_diagnostic(diagnostic)
        remote_mta = remote_mta or host
    found_status = codes.find_status(diagnostic)
    # A specific code in the server's words beats a generic one in a Status field (5.0.0 vs 5.1.1).
    if not status or (found_status and status.endswith(".0.0") and not found_status.endswith(".0.0")
                      and found_status[0] == status[0]):
        status = found_status or status
    else:
        # The remote server's own reply ("550 5.7.1 ...") beats the reporting MTA's Status field,
        # which some MTAs fill with a mapped code (sendmail: 5.1.1 for any RCPT refusal).
        # So does a permanent reply ("550 5.5.0 ...") for a delivery the DSN says has failed, when
        # the field holds a transient 4.x.x (Postfix keeps 4.x.x for a 5xx greeting it retried).
        lead = _REPLY_LEAD.match(diagnostic)
        if (lead and lead.group(2) and lead.group(1)[0] == lead.group(2)[0]
                and (lead.group(1)[0] == status[0] and not lead.group(2).endswith(".0.0")
                     or action == "failed" and status[0] == "4" and lead.group(1)[0] == "5")):
            status = lead.group(2)
    reply_code = reply_code or codes.find_reply_code(diagnostic)
    if not action:
        first = (status or reply_code or "5")[0]
        action = "delayed" if first == "4" else ("delivered" if first == "2" else "failed")
        if action == "delayed" and delivery_verdict(diagnostic) == "failed":
            action = "failed"  # a transient reply the MTA retried until it gave up (qmail's "#4.4.1 ... not going to try again")
    return Evidence(recipient=recipient, action=action, status=status, reply_code=reply_code,
                    diagnostic=diagnostic, remote_mta=remote_mta, command=command, hint=hint)


def _field_value(value: str | None) -> str:
    """The part of a DSN field after its type: "rfc822; a@b" -> "a@b", "dns; mx" -> "mx"."""
    if not value:
        return ""
    _, sep, rest = value.partition(";")
    return (rest if sep else value).strip()


_ACTIONS = {"failed": "failed", "failure": "failed", "fail": "failed", "delayed": "delayed", "delay": "delayed",
            "delivered": "delivered", "relayed": "relayed", "expanded": "expanded", "deliverable": "delivered"}


def dsn_evidence(mail: Mail, blocks: list[dict[str, str]] | None = None) -> list[Evidence]:
    """Per-recipient Evidence from RFC 3464 / RFC 6533 delivery-status blocks.

    ``blocks`` defaults to the mail's delivery-status parts; vendors that print the same fields
    in their text part pass :func:`~bouncekit.mail.parse_field_blocks` of that text instead.

    Final-Recipient or Original-Recipient? The Final-Recipient is reported: it is the reporting
    MTA's own statement of the address it failed to deliver to, Sendmail already puts the alias
    the sender used there (the expansion goes to X-Actual-Recipient), and Postfix's
    "(expanded from <alias>)" names the expansion, which is what failed. The Original-Recipient
    is taken only when the Final-Recipient is missing or no address at all. Where a format is
    known to put an internal routing form in Final-Recipient (Messaging Server's
    ``user@ims-ms-daemon``), its decoder reports the original instead.
    """
    out: list[Evidence] = []
    for block in (mail.status_blocks if blocks is None else blocks):
        raw = block.get("final-recipient") or block.get("original-recipient") or block.get("x-actual-recipient")
        if not raw:
            continue
        recipient = addresses.normalize(_field_value(raw)) or addresses.normalize(raw)
        if recipient is None and block.get("original-recipient"):
            recipient = addresses.normalize(_field_value(block["original-recipient"]))
        status_field = block.get("status", "")
        status = codes.find_status(status_field.split("(")[0]) or codes.find_status(status_field)
        action = _ACTIONS.get(block.get("action", "").strip().lower().split(" ")[0], "")
        diagnostic = block.get("diagnostic-code", "") or block.get("x-diagnostic-code", "")
        if not diagnostic and "(" in status_field:  # "Status: 4.0.0 (host name lookup failure)"
            diagnostic = status_field.split("(", 1)[1].rsplit(")", 1)[0].strip()
        if blocks is None and diagnostic:
            diagnostic = complete_reply(mail.body, diagnostic)
        # "dns; mx.example.org (TCP|192.0.2.1|...) (mx ESMTP)" or "dns; mx.example.com. (192.0.2.1, ...)":
        # the host is the first word
        remote = (_field_value(block.get("remote-mta")).split() or [""])[0].strip("[]").rstrip(".").lower() or None
        # RFC 3464 diagnostic-type "X-Unix" (Postfix local/pipe, sendmail's prog mailer): the words
        # are a local delivery program's, not an SMTP server's. A weak hint: the row that reads it
        # sits below the wording rows, so the program's own words (quota, virus...) decide first.
        hint = Group.MAILER_ERROR if _UNIX_DIAG_TYPE.match(diagnostic) else None
        ev = evidence(recipient, diagnostic, status=status, action=action or None, remote_mta=remote, hint=hint)
        if ev.command is None and recipient and blocks is None:
            # The fields rarely say which command was refused; the human-readable paragraph often does.
            # A transcript names the address the MTA sent in RCPT TO, which after an alias expansion
            # is the X-Actual-Recipient, not the Final-Recipient.
            command = command_of(paragraph_about(mail.body, recipient))
            sent_to = [recipient] + [a for name in ("x-actual-recipient", "original-recipient")
                                     if (a := addresses.normalize(_field_value(block.get(name))))]
            for address in sent_to:
                command = command or transcript_command(mail.body, address)
            ev = replace(ev, command=command) if command else ev
        out.append(ev)
    return out


# sendmail's "----- Transcript of session follows -----" heading (old sendmail and the gateways that
# copy its layout print it too), and the command names its ">>> " lines use, as the rules name them.
TRANSCRIPT_HEADING = re.compile(r"(?im)^[^\S\n]*-+\s*Transcript of session follows\s*-+\s*$")
TRANSCRIPT_COMMANDS = {"RCPT": "RCPT", "MAIL": "MAIL", "DATA": "DATA", ".": "DATA", "EHLO": "HELO", "HELO": "HELO"}

_TRANSCRIPT_SENT = re.compile(r"^\s*>>>\s*(RCPT|MAIL|DATA|HELO|EHLO)\b", re.IGNORECASE)

# RFC 5321 section 3.3: when all RCPT commands were rejected, the server "MAY return a 'command out
# of sequence' (503) or 'no valid recipients' (554) reply in response to the DATA command".
# Such a reply to a pipelined DATA shows that the refusals before it answered RCPT.
NO_VALID_RECIPIENTS = re.compile(r"(?i)^(?:503\b|554\b.*\bno valid recipients?\b)")
# Sendmail's own summary of a recipient's failure, after the server's reply in its transcript:
# "550 5.1.1 <user@example.org>... User unknown".
_TRANSCRIPT_SUMMARY = re.compile(r"^\s*[245]\d\d\s+(?:[245]\.\d{1,3}\.\d{1,3}\s+)?<?([^\s<>]+@[^\s<>]+?)>?\.\.\.\s")


def transcript_command(text: str, address: str) -> str | None:
    """The command a session transcript (sendmail, Courier: ``>>> DATA`` / ``<<< 550 ...``) shows
    the reply naming ``address`` answered.

    The reply names the address itself, or sendmail's summary line just below it does
    (``<<< 551 not our user`` then ``550 5.1.1 <user@example.org>... User unknown``).
    A pipelining client prints its last command (DATA) and then the replies to the batch: when a
    ``503`` or a ``554 ... no valid recipients`` follows in the same batch (RFC 5321 section 3.3),
    the refusals before it answered the pipelined RCPT TO commands, not DATA.
    """
    if ">>>" not in text:
        return None  # no line shows a command (_TRANSCRIPT_SENT needs ">>>")
    address = address.lower()
    sent: str | None = None
    found = after_reply = False
    for line in text.splitlines():
        m = _TRANSCRIPT_SENT.match(line)
        if m:
            if found:
                break
            sent, after_reply = _canonical_command(m.group(1)), False
            continue
        stripped = line.strip()
        if not stripped.startswith("<<<") or sent is None:
            summary = _TRANSCRIPT_SUMMARY.match(line)
            if summary and after_reply and not found and summary.group(1).lower() == address:
                found = True  # sendmail's summary of the reply just above names the address
            after_reply = False
            continue
        reply = stripped[3:].strip()
        after_reply = True
        if found:
            if sent == "DATA" and NO_VALID_RECIPIENTS.match(reply):
                return "RCPT"
        elif address in reply.lower():
            found = True
    return sent if found else None


def paragraph_about(text: str, address: str) -> str:
    """The paragraph of ``text`` that begins with ``<address>:`` (Postfix style), without the address."""
    at = text.find("<" + address + ">")
    if at < 0 or (at > 0 and text[at - 1] not in "\n \t"):
        return ""
    rest = text[at + len(address) + 2:].lstrip(" \t:")
    end = rest.find("\n\n")
    return rest[: end if end >= 0 else len(rest)]


def combine(dsn: list[Evidence], human: dict[str, Evidence]) -> list[Evidence]:
    """DSN records enriched from a vendor's human-readable part (keyed by lower-cased recipient).

    The DSN fields keep the recipient, action and status; the human part gives the fuller server
    reply, the SMTP command and the remote host. With no DSN, the human records are the result.
    """
    if not dsn:
        return list(human.values())
    out = []
    for ev in dsn:
        h = human.get((ev.recipient or "").lower())
        if h is None:
            out.append(ev)
            continue
        diagnostic = h.diagnostic if h.diagnostic and (h.reply_code or not ev.diagnostic) else ev.diagnostic
        if h.diagnostic and h.diagnostic in ev.diagnostic:  # the DSN quotes the same reply, and more of it
            diagnostic = ev.diagnostic
        out.append(evidence(ev.recipient, diagnostic, status=ev.status, reply_code=h.reply_code or ev.reply_code,
                            action=ev.action, remote_mta=ev.remote_mta or h.remote_mta,
                            command=h.command or ev.command, hint=ev.hint or h.hint, clean=False))
    return out


def reporting_mta(mail: Mail) -> str | None:
    """The Reporting-MTA of the first DSN block, if any."""
    for block in mail.status_blocks:
        if "reporting-mta" in block:
            return (_field_value(block["reporting-mta"]).split() or [""])[0].strip("[]").lower() or None
    return None


def sender_addresses(mail: Mail) -> set[str]:
    """Addresses that are the bounce's own parties (never the failed recipient), lower-cased."""
    out = set()
    for name in ("From", "To", "Return-Path", "Reply-To", "Sender", "Delivered-To"):
        for value in mail.headers(name):
            out.update(a.lower() for a in addresses.find_addresses(value))
    return out


def is_role(address: str) -> bool:
    """True for postmaster, mailer-daemon and other role accounts."""
    return address.split("@", 1)[0].lower() in ROLE_LOCALPARTS


_BOUNCE_SUBJECT = re.compile(
    r"""(?ix)
      undeliver|undelivered|not\ delivered|non[- ]?deliver|delivery\ (?:status|fail|notification|problem|report)
    | returned\ mail|mail\ delivery|delivery\ has\ failed|failure\ notice|could\ not\ be\ delivered
    | failed\ delivery|delivery\ failure|returned\ to\ sender|warning:\ could\ not\ send|mail\ system\ error
    | nondeliverable|nicht\ zustellbar|unzustellbar|non\ recapitabile|non\ remis|no\ entregado
    | échec|echec|message\ not\ delivered|rejected|bounce|error\ sending|permanent\ error|unable\ to\ deliver
    | could\ not\ send|delayed\ mail|delivery\ delayed|mail\ could\ not|problem\ delivering|被退回|退信
    | 配信(?:エラー|不能|失敗)|送信エラー|エラー|не\ доставлено|недоставлен|не\ удалось\ доставить
    | no\ se\ (?:puede|pudo)\ entregar|no\ entregable|n[ãa]o\ (?:foi\ )?entregue|n[ãa]o\ (?:é\ )?poss[íi]vel\ entregar
    | onbestelbaar|niet\ bezorgd|olevererbar|kunde\ inte\ levereras|ikke\ leveret|kan\ ikke\ leveres|ikke\ levert
    | niedostarczon|nie\ mo[żz]na\ dostarczy|toimittamaton|nedoru[čc]iteln|non\ consegnat|impossibile\ recapitare
    | non\ distribu|impossible\ de\ remettre|无法送达|未送达|無法傳遞|배달되지|전달되지\ 않
    """
)
_DAEMON_SENDER = re.compile(r"(?i)mailer-daemon|postmaster|mail delivery|mail-daemon|mailerdaemon|"
                            r"maildelivery|delivery[- ]?subsystem|mail administrator|"
                            r"double-bounce|bounce|MAILER_DAEMON|noreply-dmarc|daemon@")


def looks_like_bounce(mail: Mail) -> bool:
    """A cheap guess whether a message reports a delivery failure (null sender, daemon, subject)."""
    if _DAEMON_SENDER.search(mail.sender) or _BOUNCE_SUBJECT.search(mail.subject):
        return True
    return_path = mail.header("Return-Path").strip()
    return return_path in ("<>", "") and bool(mail.header("Return-Path")) and "multipart/report" in mail.content_type

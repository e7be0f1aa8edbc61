"""Gmail and Google Workspace bounces, old text style and current report style.

Sent by ``Mail Delivery Subsystem <mailer-daemon@googlemail.com>`` (or ``@google.com``), with a
``Message-ID`` at ``google.com`` and usually ``X-Failed-Recipients``.

* Old style (plain text): "Delivery to the following recipient failed permanently:" (or "has
  been delayed:"), the indented addresses, then "Technical details of permanent failure:" with
  Google's explanation ("... rejected by the server for the recipient domain D by mx.D. [IP]")
  and, after "The error that the other server returned was:", the remote reply.
* Current style: ``multipart/report``; a "** Address not found **" style headline, "Your message
  wasn't delivered to X", and the remote reply after "The response from the remote server was:"
  (or "The response was:"); the DSN part carries recipient, action and status. The DSN fields
  are taken as they are and the text's reply is the fuller diagnostic.
"""

from __future__ import annotations

import re

from .. import addresses, codes
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import dsn_evidence, evidence

_LIST_HEAD = re.compile(r"(?im)^[^\S\n]*Delivery to the following recipients? (failed permanently|has been delayed"
                        r"|failed temporarily)\s*:?\s*$")
_DETAILS = re.compile(r"(?im)^[^\S\n]*Technical details of (?:permanent|temporary) failure\s*:?\s*$")
_RESPONSE = re.compile(r"(?im)^[^\S\n]*(?:The error that the other server returned was|The response from the remote "
                       r"server was|The response was)\s*:\s*$")
_BY_HOST = re.compile(r"(?i)\bby ([\w-]+(?:\.[\w-]+)+)\.? \[[\d.:a-f]+\]")
_WASNT_DELIVERED = re.compile(r"(?i)(?:wasn't delivered to|delivering your message to|delivered to)\s+(\S+@[\w.-]+\w)")
_ERROR_TOKEN = re.compile(r"\bError \([A-Z0-9_]+\)")
_END = re.compile(r"(?m)^[^\S\n]*(?:-{3,}|Learn more here:|LEARN MORE)")


class Gmail:
    name = "gmail"

    def matches(self, mail: Mail) -> bool:
        sender = mail.sender
        if "mailer-daemon@googlemail.com" in sender or "mailer-daemon@google.com" in sender:
            return True
        return "mail delivery subsystem" in sender and "google.com" in mail.header("Message-ID").lower()

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body if not mail.msg.is_multipart() else (mail.text_parts[0] if mail.text_parts else "")
        response = _section(text, _RESPONSE)
        details = _section(text, _DETAILS)
        host_m = _BY_HOST.search(details)
        host = host_m.group(1).lower() if host_m else None
        reply = response or details or _summary(text)
        if response and not codes.find_reply_code(response) and _ERROR_TOKEN.search(response):
            # Google's own error token, not a remote reply ("Unspecified Error (SENT_SECOND_EHLO)"): the
            # explanation above says what it means ("Send mail as" settings). Google's sentences ("DNS
            # Error: ...", "The recipient server did not accept our requests to connect") explain themselves.
            reply = f"{_summary(text[: _RESPONSE.search(text).start()])} {response}".strip()
        found = dsn_evidence(mail)
        if found:
            if not reply:
                return found
            out = []
            for ev in found:
                richer = evidence(ev.recipient, reply, remote_mta=ev.remote_mta or host)
                out.append(evidence(ev.recipient, richer.diagnostic, status=richer.status or ev.status,
                                    reply_code=richer.reply_code or ev.reply_code, action=ev.action,
                                    remote_mta=richer.remote_mta, command=richer.command or ev.command,
                                    clean=False))
            return out
        recipients, action = _listed(text)
        if not recipients:
            m = _WASNT_DELIVERED.search(unfold(text))
            recipients = addresses.find_addresses(m.group(1)) if m else []
            action = "delayed" if re.search(r"(?i)temporary problem|delivery incomplete", text) else None
        if not recipients:
            recipients = addresses.find_addresses(mail.header("X-Failed-Recipients"))
        return [evidence(r, reply, action=action, remote_mta=host) for r in dict.fromkeys(recipients)]


def _section(text: str, head: re.Pattern[str]) -> str:
    """The paragraph(s) under a heading line, up to a separator or the link footer."""
    m = head.search(text)
    if not m:
        return ""
    rest = text[m.end():]
    end = _END.search(rest)
    return unfold(rest[: end.start()] if end else rest)


def _summary(text: str) -> str:
    """Google's own explanation when it quotes no reply: the text up to the footer, list removed."""
    end = _END.search(text)
    text = text[: end.start()] if end else text
    m = _LIST_HEAD.search(text)
    if m:  # old style: what follows the address list ("Message will be retried for 2 more day(s)")
        rest = text[m.end():].lstrip("\n")
        blank = rest.find("\n\n")
        text = rest[blank:] if blank >= 0 else ""
    return unfold(text)


def _listed(text: str) -> tuple[list[str], str | None]:
    """Addresses listed under "Delivery to the following recipient ...:", and the action it implies."""
    m = _LIST_HEAD.search(text)
    if not m:
        return [], None
    action = "failed" if "permanent" in m.group(1).lower() else "delayed"
    found: list[str] = []
    for line in text[m.end():].lstrip("\n").splitlines():
        if not line.strip():
            if found:
                break
            continue
        found += addresses.find_addresses(line)
    return found, action

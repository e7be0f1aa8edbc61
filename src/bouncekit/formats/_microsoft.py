"""What Exchange 2007+, Microsoft 365 and Outlook.com non-delivery reports share.

Their human-readable part ends with an administrators' section::

    Diagnostic information for administrators:

    Generating server: mx1.example.com
    [Receiving server: mx2.example.org]

    user@example.org
    [example.org]
    Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'   (2010+)
    #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##                        (2007)
    4/29/2018 8:21:10 AM - Server at mx.example.org (192.0.2.1) returned '450 4.4.312 ...'

    Original message headers:

and the newer Microsoft 365 layout says ``Reported error: 550 5.1.10 ...`` under "Error Details".
:func:`admin_diagnostics` reads either into {recipient: (server's words, remote host)};
:func:`microsoft_evidence` joins that with the DSN fields, or stands alone where no DSN came.
"""

from __future__ import annotations

import re

from .. import addresses
from .._prefilter import may_hold
from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence
from ._scan import scan_text

_ADMIN = re.compile(r"(?im)^[^\S\n]*Diagnostic information for administrators:?\s*$")
_END = re.compile(r"(?im)^[^\S\n]*Original message headers:?\s*$|^[^\S\n]*Original Message Headers\s*$")
_RETURNED = re.compile(r"(?is)(?:Remote Server|Server at ([\w.-]+)(?: \([\d.:a-f]+\))?)\s+returned\s+'(.*?)'\s*$")
_HASHED = re.compile(r"(?s)^#\s*(.*?)\s*##")
_REPORTED = re.compile(r"(?im)^[^\S\n]*Reported error:\s*(.+(?:\n(?!\s*$|\s*DSN generated)\S.*)*)")
_REPORTED_NEEDS = ("reported error:",)  # what every match contains (see bouncekit._prefilter)
_FAILED_TO = re.compile(r"(?im)^[^\S\n]*Delivery has failed to these recipients or [\w. ]+:\s*$")
_YOUR_MESSAGE_TO = re.compile(r"(?im)^[^\S\n]*Your message to (\S+@\S+) couldn't be delivered")


def admin_diagnostics(text: str) -> dict[str, tuple[str, str | None]]:
    """{lower-cased recipient: (server reply, remote host)} from the administrators' section."""
    out: dict[str, tuple[str, str | None]] = {}
    m = _ADMIN.search(text)
    if m:
        section = text[m.end():]
        end = _END.search(section)
        section = section[: end.start()] if end else section
        for block in re.split(r"\n\s*\n", section):
            lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
            if not lines or "@" not in lines[0] or lines[0].lower().startswith(("generating", "receiving")):
                continue
            found = addresses.find_addresses(lines[0])
            if not found:
                continue
            rest = "\n".join(lines[1:])
            diag, host = _reply_of(rest)
            if diag:
                out.setdefault(found[0].lower(), (diag, host))
    r = _REPORTED.search(text) if may_hold(text, _REPORTED_NEEDS) else None
    to = _YOUR_MESSAGE_TO.search(text) if r else None
    if r and to:  # the newer Microsoft 365 layout names one recipient in its first line
        out.setdefault(to.group(1).strip(".").lower(), (" ".join(r.group(1).split()), None))
    return out


def _reply_of(rest: str) -> tuple[str, str | None]:
    """The server's words in the lines under one recipient of the administrators' section."""
    joined = " ".join(rest.split("\n"))
    h = _HASHED.search(rest.lstrip())
    if h:
        return " ".join(h.group(1).split()), None
    # The first "returned '...'" is the last attempt (the lines run newest first).
    for line in re.split(r"\n(?=\S*\s*\d{1,2}/\d{1,2}/\d{4} |Remote Server )", rest):
        rm = _RETURNED.search(" ".join(line.split()))
        if rm:
            return rm.group(2).strip(), (rm.group(1) or "").lower() or None
    return (" ".join(joined.split()), None) if joined.strip() else ("", None)


def listed_recipients(text: str) -> list[Evidence]:
    """The recipients under "Delivery has failed to these recipients", with the text that explains them."""
    m = _FAILED_TO.search(text)
    if not m:
        return []
    out = []
    for block in re.split(r"\n\s*\n", text[m.end():].lstrip("\n"), maxsplit=20):
        found = addresses.find_addresses(block.splitlines()[0]) if block.strip() else []
        if not found:
            break
        explanation = " ".join(block.splitlines()[1:]).strip()
        out.append(evidence(found[0], explanation))
    return out


def microsoft_evidence(mail: Mail) -> list[Evidence]:
    """DSN fields enriched with the administrators' section; the text alone where no DSN came."""
    text = "\n".join(mail.text_parts[:1])
    admin = admin_diagnostics(text)
    dsn = dsn_evidence(mail)
    if not dsn:
        if admin:
            return [evidence(rcpt, diag, remote_mta=host) for rcpt, (diag, host) in admin.items()]
        return listed_recipients(text)
    out = []
    for ev in dsn:
        diag, host = admin.get((ev.recipient or "").lower(), ("", None))
        if not diag and not ev.diagnostic:  # Outlook.com: "Unable to deliver message to ...", then the list
            said = {e.recipient.lower(): e.diagnostic for e in scan_text(text) if e.recipient}
            diag = said.get((ev.recipient or "").lower(), "")
        if diag and len(diag) >= len(ev.diagnostic):
            richer = evidence(ev.recipient, diag, remote_mta=host)
            ev = Evidence(recipient=ev.recipient, action=ev.action, status=ev.status or richer.status,
                          reply_code=ev.reply_code or richer.reply_code, diagnostic=richer.diagnostic,
                          remote_mta=ev.remote_mta or richer.remote_mta, command=ev.command or richer.command)
        out.append(ev)
    return out

"""Mail.Ru: Exim bounces with a Russian preface.

From ``mailer-daemon@*.mail.ru`` with ``X-Failed-Recipients``; the subject ends in "Mail
failure."; the text repeats the Exim report in Russian ("К сожалению, Ваше письмо не может быть
доставлено...") and English ("The following address(es) failed:"). Each failed address is a
line of its own, indented, followed by more indented lines: "SMTP error from remote mail server
after RCPT TO:<a>:" and "host mx.example.org [192.0.2.1]: 550 5.1.1 ...", or Exim's own reason
("Unrouteable address"). The English block is read; the Russian one says the same.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import command_of, evidence

_FAILED = re.compile(r"(?im)^.*following address(?:\(es\)|es)? failed:\s*$")
_HOST = re.compile(r"(?i)\bhost:?\s+([\w.-]+\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})\.?(?:\s*\[[^\]]*\])?\s*:?\s*")
_SMTP_ERROR = re.compile(r"(?i)^\s*SMTP error from remote (?:mail )?server (?:after|for) [^:]*(?::<[^>]*>)?:\s*")


class MailRu:
    name = "mailru"

    def matches(self, mail: Mail) -> bool:
        return bool(re.search(r"mailer-daemon@(?:[\w-]+\.)*mail\.ru\b", mail.sender))

    def parse(self, mail: Mail) -> list[Evidence]:
        return exim_blocks(mail.body)


def exim_blocks(text: str) -> list[Evidence]:
    """Addresses under "The following address(es) failed:" with the indented reason under each."""
    heads = list(_FAILED.finditer(text))
    if not heads:
        return []
    out: dict[str, Evidence] = {}
    lines = text[heads[-1].end():].splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        found = addresses.find_addresses(line) if line.strip() and "@" in line else []
        i += 1
        if not found or line.strip().lower().startswith(("smtp error", "host")):
            continue
        indent = len(line) - len(line.lstrip())
        reason = []  # the lines under the address, indented deeper than it
        while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) > indent:
            reason.append(lines[i].strip())
            i += 1
        diag = re.sub(r"^\(generated from [^)]*\)\s*", "", " ".join(reason))
        command = command_of(diag)
        diag = _SMTP_ERROR.sub("", diag)
        host = _HOST.match(diag)
        remote = host.group(1).lower() if host else None
        if host:
            diag = diag[host.end():]
        out.setdefault(found[0].lower(), evidence(found[0], unfold(diag), command=command, remote_mta=remote))
    return list(out.values())

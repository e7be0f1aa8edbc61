"""Yandex: Postfix bounces with a Russian preface and an RFC 3464 report.

From ``mailer-daemon@yandex.ru`` (``Message-Id`` at ``*.mail.yandex.net``): the text part says in
Russian, then in English ("This is the mail system at host yandex.ru."), that delivery failed,
and gives one Postfix paragraph per recipient, ``<a@b>: host mx[IP] said: 550 5.1.1 ... (in
reply to RCPT TO command)``. The DSN part gives recipient, action and status; the paragraph adds
the SMTP command and the reply as the server wrote it.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence, paragraph_about


class Yandex:
    name = "yandex"

    def matches(self, mail: Mail) -> bool:
        return bool(re.search(r"mailer-daemon@yandex\.(?:ru|com|by|kz|ua|com\.tr)\b", mail.sender))

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.text_parts[0] if mail.text_parts else ""
        out = []
        for ev in dsn_evidence(mail):
            para = paragraph_about(text, ev.recipient or "")
            if para:
                more = evidence(ev.recipient, para)
                ev = evidence(ev.recipient, more.diagnostic or ev.diagnostic, status=ev.status,
                              reply_code=more.reply_code or ev.reply_code, action=ev.action,
                              remote_mta=ev.remote_mta or more.remote_mta, command=more.command, clean=False)
            out.append(ev)
        return out


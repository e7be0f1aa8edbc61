"""SurfControl E-mail Filter reports.

``X-Mailer: SurfControl E-mail Filter`` and ``X-SEF-*`` headers; a ``multipart/report`` whose text
part is a transcript::

    Your message could not be sent.
    A transcript of the attempts to send the message follows.
    Addressed To: user@example.org

    Failed to send to identified host,
    user@example.org: [192.0.2.5], 550 user@example.org... No such user
    --- Message non-deliverable.

and a DSN part (status mostly 5.0.0). The DSN gives recipients; the transcript the remote host.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence

_TRANSCRIPT = re.compile(r"(?m)^[^\S\n]*([^\s:][^\s:@]*@[^\s:]+):\s*\[([\w.:-]+)\],\s*(.+)$")


class SurfControl:
    name = "surfcontrol"

    def matches(self, mail: Mail) -> bool:
        return "SurfControl" in mail.header("X-Mailer")

    def parse(self, mail: Mail) -> list[Evidence]:
        said = {m.group(1).lower(): m for m in _TRANSCRIPT.finditer(mail.body)}
        dsn = dsn_evidence(mail)
        if not dsn:
            return [evidence(m.group(1), m.group(3), remote_mta=m.group(2)) for m in said.values()]
        out = []
        for ev in dsn:
            m = said.get((ev.recipient or "").lower())
            out.append(replace(ev, remote_mta=ev.remote_mta or m.group(2)) if m else ev)
        return out

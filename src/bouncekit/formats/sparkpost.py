"""SparkPost: webhook batches of ``msys`` events (bounce, out_of_band, delay, spam_complaint...).

A JSON array of ``{"msys": {"message_event": {...}}}`` (complaints under ``"message_event"`` too,
relay events under ``"relay_event"``); a bounce has ``rcpt_to``, ``raw_reason`` (the remote reply,
``550 5.1.1 ...``), ``error_code`` and ``bounce_class`` (SparkPost's numeric classification:
10 invalid recipient, 22 mailbox full, 23 too large, 60 auto-reply...). The unambiguous classes
and a spam complaint become hints. Recognised by ``"msys"`` at the start of a JSON body, a
``sparkpostmail.com`` sender or ``X-MSYS-API`` header.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence, Group
from ._common import evidence
from ._json import events, load, payload_text

_EVENTS = {"bounce": "failed", "out_of_band": "failed", "delay": "delayed", "policy_rejection": "failed",
           "generation_rejection": "failed", "spam_complaint": "failed"}
_CLASS_HINTS = {"10": Group.UNKNOWN_USER, "22": Group.MAILBOX_FULL, "23": Group.MESSAGE_TOO_BIG,
                "60": Group.VACATION}


class SparkPost:
    name = "sparkpost"

    def matches(self, mail: Mail) -> bool:
        return '"msys"' in payload_text(mail)[:200] or "sparkpostmail.com" in mail.sender or bool(
            mail.header("X-MSYS-API"))

    def parse(self, mail: Mail) -> list[Evidence]:
        out = []
        for item in events(load(payload_text(mail))):
            msys = item.get("msys", item)
            event = (msys.get("message_event") or msys.get("track_event") or {}) if isinstance(msys, dict) else {}
            kind = str(event.get("type", ""))
            if kind not in _EVENTS or not event.get("rcpt_to"):
                continue
            hint = Group.FEEDBACK if kind == "spam_complaint" else _CLASS_HINTS.get(str(event.get("bounce_class")))
            diagnostic = str(event.get("raw_reason") or event.get("reason") or "")
            code = str(event.get("error_code") or "")
            out.append(evidence(event["rcpt_to"], diagnostic, action=_EVENTS[kind], hint=hint,
                                reply_code=code if len(code) == 3 and code.isdigit() else None, clean=False))
        return out

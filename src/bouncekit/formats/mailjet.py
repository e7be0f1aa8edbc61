"""Mailjet: event API posts for ``bounce``, ``blocked`` and ``spam`` events.

One JSON object (or an array of them) with ``"event"``, ``"email"`` (the recipient),
``"hard_bounce"`` (true/false), ``"error_related_to"`` (recipient, domain, content, spam...),
``"error"`` (Mailjet's short reason: "user unknown", "mailbox inactive", "quota exceeded", "no
mail host", ...) and sometimes ``"comment"`` with the remote words. Mailjet's reasons for a
recipient that does not exist, a full mailbox, a domain without mail host and a spam complaint
become hints. Recognised by a ``mailjet.com`` sender, ``X-MJ-*`` headers or ``"mj_campaign_id"``
/ ``"MessageID"`` near the start of a JSON body.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence, Group
from ._common import evidence
from ._json import events, load, payload_text

_HINTS = {"user unknown": Group.UNKNOWN_USER, "quota exceeded": Group.MAILBOX_FULL,
          "no mail host": Group.UNKNOWN_HOST}


class Mailjet:
    name = "mailjet"

    def matches(self, mail: Mail) -> bool:
        if "mailjet.com" in mail.sender or mail.header("X-MJ-CustomID"):
            return True
        head = payload_text(mail)[:400]
        return '"mj_' in head or ('"event"' in head and '"MessageID"' in head)

    def parse(self, mail: Mail) -> list[Evidence]:
        out = []
        for item in events(load(payload_text(mail))):
            kind = str(item.get("event", "")).lower()
            if kind not in ("bounce", "blocked", "spam") or not item.get("email"):
                continue
            reason = str(item.get("error") or "")
            words = " ".join(p for p in (str(item.get("comment") or ""), reason) if p) or kind
            hint = Group.FEEDBACK if kind == "spam" else _HINTS.get(reason.lower())
            action = "delayed" if kind == "bounce" and item.get("hard_bounce") is False else "failed"
            out.append(evidence(item["email"], words, action=action, hint=hint, clean=False))
        return out

"""RFC 3834 automatic responses: vacation notices and out-of-office replies.

Not failures: the recipient got the mail and a robot answered. The recipient is the sender of
the auto-reply. This decoder runs after every failure decoder, because many bounces also carry
``Auto-Submitted: auto-replied``; it only takes messages that do not read as a bounce.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence, Group
from ._common import looks_like_bounce

# The subjects auto-replies carry, in the languages mail clients and servers write them (Outlook's
# "Automatic reply:" and its translations: "Automatische Antwort:", "Réponse automatique :",
# "Respuesta automática:", "Risposta automatica:", "Resposta automática:", "Automatisch antwoord:",
# "Autosvar:", "Автоматический ответ:", "自動応答:", "自动回复:"...), and the out-of-office words.
_AUTO_SUBJECT = re.compile(
    r"(?i)^(?:auto(?:matic)?[ _-]?(?:reply|response|antwort|respuesta|r[ée]ponse)|out of (?:the )?office|"
    r"automatische[ _-]antwort|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|"
    r"resposta autom[aá]tica|automatisch antwoord|automatyczna odpowied|automaattinen vastaus|"
    r"auto-?svar|automatisk svar|автоматический ответ|αυτόματη απάντηση|otomatik yan[ıi]t|"
    r"vacation|on vacation|away from|abwesen|absence|ausser haus|au[ßs]er haus|congés|fuera de la oficina|"
    r"afwezig|assente|ausente|autorisposta|自動(?:返信|応答)|不在|自动回复|自動回覆|автоответ|i am away|i'm away)"
)


class AutoReply:
    name = "rfc3834"

    def matches(self, mail: Mail) -> bool:
        if looks_like_bounce(mail) or mail.status_blocks:
            return False
        auto = mail.header("Auto-Submitted").lower()
        subject = mail.subject.strip()
        subject = re.sub(r"(?i)^(?:re|aw|fw|fwd|sv)\s*:\s*", "", subject)
        return (auto.startswith("auto-replied") or bool(mail.header("X-Autoreply"))
                or bool(mail.header("X-Autorespond")) or mail.header("Precedence").lower() == "auto_reply"
                or bool(_AUTO_SUBJECT.search(subject)))

    def parse(self, mail: Mail) -> list[Evidence]:
        senders = addresses.find_addresses(mail.header("From"))
        if not senders:
            return []
        diagnostic = unfold(mail.body.strip())[:500]
        if self._unsubscribe(mail):
            # A mail client acting on List-Unsubscribe (RFC 2369 mailto:) for its user: the
            # recipient's own request to stop, i.e. feedback, not an out-of-office.
            return [Evidence(recipient=senders[0], action="failed", diagnostic=diagnostic, hint=Group.FEEDBACK)]
        return [Evidence(recipient=senders[0], action="delivered", diagnostic=diagnostic, hint=Group.VACATION)]

    @staticmethod
    def _unsubscribe(mail: Mail) -> bool:
        """Apple Mail marks the unsubscribe mails it sends with ``X-Apple-Unsubscribe: true``;
        other clients send subject "unsubscribe" with words about unsubscribing."""
        if mail.header("X-Apple-Unsubscribe").strip().lower() == "true":
            return True
        return (mail.subject.strip().lower() == "unsubscribe"
                and "unsubscribe" in mail.body[:2000].lower())

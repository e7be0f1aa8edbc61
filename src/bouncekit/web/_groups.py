"""One sentence per error group, for the console's detail view: the "meaning" column of docs/groups.md.

``tests/test_web.py`` checks that every group has one and that they match the documentation.
"""

from __future__ import annotations

from ..model import Group

GROUP_DESCRIPTIONS: dict[Group, str] = {
    Group.UNKNOWN_USER: 'The mailbox does not exist at the destination.',
    Group.UNKNOWN_HOST: "The recipient's domain does not exist or cannot be resolved.",
    Group.HAS_MOVED: 'The mailbox has moved and mail is no longer forwarded.',
    Group.NOT_ACCEPT: 'The domain or host does not accept mail at all (null MX, no MX, "does not accept mail").',
    Group.SUSPENDED: 'The mailbox exists but is disabled, locked, frozen or inactive.',
    Group.MAILBOX_FULL: "The recipient's mailbox is over quota.",
    Group.EXCEED_LIMIT: "The message exceeds a limit the recipient's mailbox sets (size per recipient).",
    Group.FILTERED: 'The address exists, but the recipient\'s own filter or settings refused this sender or message (including "User unknown" given only after DATA, "User unknown" under X.2.1 "mailbox disabled" unless it answered RCPT, and "550 : User unknown" with an empty address).',
    Group.ON_HOLD: 'Delivery is held pending a decision: by the receiver (moderation, review), or by you, because the failure is described in words no rule recognises.',
    Group.REJECTED: 'The sender (envelope or header From) was refused: sender domain missing, sender verification failed, not a list member.',
    Group.BLOCKED: 'The sending IP or host is refused: DNS block list, local block list, dynamic/residential range, refusal at connect/HELO.',
    Group.BAD_REPUTATION: 'Mail refused or deferred because the sending IP or domain has a poor reputation.',
    Group.REQUIRE_PTR: 'The sending IP has no (or a mismatching) reverse DNS record.',
    Group.AUTH_FAILURE: 'SPF, DKIM, DMARC or ARC authentication of the message failed.',
    Group.SECURITY_ERROR: 'SMTP AUTH or TLS was required, or delivery was not authorized.',
    Group.NO_RELAYING: 'The server will not relay for this sender/recipient (wrong server, or unverified sending identity).',
    Group.RATE_LIMITED: 'Too many messages in a time window (from the sender or to the recipient).',
    Group.TOO_MANY_CONNECTIONS: 'A per-session limit: too many connections, or too many recipients in one transaction.',
    Group.SPAM_DETECTED: 'A content filter judged the message to be spam.',
    Group.VIRUS_DETECTED: 'The message (usually an attachment) carries malware.',
    Group.POLICY_VIOLATION: 'Refused by a local policy (attachment type, content or header rules, "policy reasons").',
    Group.CONTENT_ERROR: 'The content or MIME structure cannot be handled.',
    Group.NOT_COMPLIANT_RFC: 'The message violates RFC 5322 format rules.',
    Group.MESSAGE_TOO_BIG: "The message exceeds the receiving system's size limit.",
    Group.NETWORK_ERROR: 'Routing, DNS (temporary) or connection failure: no route, refused, loop; a timeout in a delay warning (the MTA is still retrying).',
    Group.EXPIRED: 'The sending MTA gave up after its retry period (a final bounce for a timeout or an unreachable host counts), or a delayed report with no more specific reason.',
    Group.SYSTEM_ERROR: 'The receiving system failed (internal error, misconfiguration, service unavailable).',
    Group.SYSTEM_FULL: 'The receiving system (not the mailbox) is out of storage.',
    Group.MAILER_ERROR: 'A local delivery program (procmail, pipe, mail.local) failed.',
    Group.SYNTAX_ERROR: 'An SMTP protocol or syntax error.',
    Group.UNDEFINED: 'Nothing to go on: no diagnostic text, and no code or action a rule reads.',
    Group.DELIVERED: 'A DSN reporting success (delivered, relayed, expanded, or a 2.x.x status).',
    Group.FEEDBACK: 'A complaint (ARF feedback-loop report): the recipient marked the message as spam; or an unsubscribe request a mail client sent for its user (Apple Mail\'s X-Apple-Unsubscribe: true, an automatic mail with subject "unsubscribe"). Stop mailing them.',
    Group.VACATION: 'An auto-reply (out of office). The address works.',
}


def describe_group(group: Group | str) -> str:
    """What the group means, as a sentence."""
    try:
        return GROUP_DESCRIPTIONS[Group(group)]
    except (KeyError, ValueError):
        return "An error group this version of bouncekit does not know."

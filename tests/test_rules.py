"""The rule engine and the built-in rule table.

The table of CASES is written from the wording real servers send (Postfix, sendmail, Exim, qmail,
Exchange / Microsoft 365, Gmail, Yahoo, ...), with example.com / example.org addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import re

import pytest
import regex

from bouncekit.model import Evidence, Group
from bouncekit.rules import Decision, Rule, RuleError, RuleSet
from bouncekit.rules.engine import FALLBACK_ID

BUILTIN = RuleSet.builtin()


# --- the table itself ---------------------------------------------------------------------------


def test_builtin_is_cached_and_not_empty() -> None:
    assert RuleSet.builtin() is BUILTIN
    assert len(BUILTIN) > 100


@pytest.mark.parametrize("rule", list(BUILTIN), ids=lambda r: r.id)
def test_builtin_rule_is_well_formed(rule: Rule) -> None:
    assert isinstance(rule.group, Group)
    assert rule.group is not Group.UNDEFINED, "a rule that decides 'undefined' is the fallback's job"
    assert regex.fullmatch(r"[a-z0-9]+(?:\.[A-Za-z0-9_-]+)+", rule.id), rule.id
    assert rule.note.strip(), f"{rule.id} says nowhere where its wording comes from"
    assert rule.source_file == "builtin.toml"
    assert rule.line > 0
    if rule.diagnostic:
        assert rule.diagnostic.lstrip().startswith("(?i"), f"{rule.id} is not case-insensitive"
        regex.compile(rule.diagnostic)


def test_builtin_ids_unique_and_lines_increase() -> None:
    ids = [r.id for r in BUILTIN]
    assert len(ids) == len(set(ids))
    lines = [r.line for r in BUILTIN]
    assert lines == sorted(lines)
    text = (Path(__file__).parents[1] / "src/bouncekit/rules/builtin.toml").read_text(encoding="utf-8")
    first = BUILTIN[ids[0]]
    assert text.splitlines()[first.line - 1].strip() == "[[rule]]"


def test_builtin_order_sections() -> None:
    """Structured facts come first, specific codes before wording, generic fallbacks last."""
    order = {r.id: i for i, r in enumerate(BUILTIN)}
    assert order["fact.delivered"] < order["rhost.microsoft.5.4.1"] < order["status.X.1.1"]
    assert order["status.X.1.1"] < order["text.user-unknown"] < order["status.X.7.x"] < order["reply.554"]
    assert order["text.mailbox-full"] < order["status.X.1.1"], "over-quota wording must beat a misused 5.1.1"


# --- realistic cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    diagnostic: str
    group: Group
    rule: str
    status: str | None = None
    reply_code: str | None = None
    hard: bool | None = None
    remote_mta: str | None = None
    action: str = "failed"
    hint: Group | None = None
    command: str | None = None
    format: str | None = None

    def evidence(self) -> Evidence:
        return Evidence(recipient="user@example.com", action=self.action, status=self.status,
                        reply_code=self.reply_code, diagnostic=self.diagnostic, remote_mta=self.remote_mta,
                        command=self.command, hint=self.hint)


G = Group
CASES: list[Case] = [
    # structured facts
    Case("250 2.1.5 Ok", G.DELIVERED, "fact.delivered", "2.1.5", "250", False, action="delivered"),
    Case("relayed to non-DSN-aware mailer", G.DELIVERED, "fact.delivered", "2.0.0", action="relayed"),
    Case("This is an email abuse report for an email message received from IP 192.0.2.1",
         G.FEEDBACK, "fact.feedback", hint=G.FEEDBACK),
    Case("I am out of the office until Monday and will reply on my return.", G.VACATION, "fact.vacation",
         hint=G.VACATION),
    Case("Thank you for your message. I am on leave until 12 May with no access to e-mail.", G.VACATION, "fact.vacation",
         action="delivered", hint=G.VACATION),
    # decoder hints (vendor categories)
    Case("550 5.1.1 <user@example.com>... mailbox unavailable", G.UNKNOWN_USER, "fact.hint.unknown_user", "5.1.1", "550",
         True, hint=G.UNKNOWN_USER),
    Case("552 5.2.2 Mailbox full", G.MAILBOX_FULL, "fact.hint.mailbox_full", "5.2.2", "552", False, hint=G.MAILBOX_FULL),
    Case("550 5.7.1 Rejected", G.VIRUS_DETECTED, "fact.hint.virus_detected", "5.7.1", "550", hint=G.VIRUS_DETECTED),
    Case("421 4.4.1 Connection timed out", G.EXPIRED, "fact.hint.expired", "4.4.1", "421", False, hint=G.EXPIRED),
    Case("550 5.7.1 Unauthenticated mail", G.AUTH_FAILURE, "fact.hint.auth_failure", "5.7.1", "550", hint=G.AUTH_FAILURE),
    # receiver-specific
    Case("550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DM6NAM12FT012.eop-nam12.prod.protection.outlook.com]",
         G.UNKNOWN_USER, "rhost.microsoft.5.4.1", "5.4.1", "550", True, "example-com.mail.protection.outlook.com"),
    Case("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
         G.UNKNOWN_USER, "rhost.microsoft.5.1.10", "5.1.10", "550", True),
    Case("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", G.UNKNOWN_USER, "rhost.microsoft", "5.1.1", "550", True),
    Case("550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/",
         G.BLOCKED, "rhost.microsoft.banned-ip", "5.7.606", "550", False),
    Case("550 5.7.509 Access denied, sending domain [EXAMPLE.ORG] does not pass DMARC verification and has a DMARC policy of reject.",
         G.AUTH_FAILURE, "rhost.microsoft.5.7.509-dmarc", "5.7.509", "550", False),
    Case("#550 5.2.2 STOREDRV.Deliver: mailbox full. MapiExceptionShutoffQuotaExceeded", G.MAILBOX_FULL,
         "rhost.microsoft.quota", "5.2.2", "550", False),
    Case("550 5.2.1 The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser",
         G.SUSPENDED, "rhost.google.account-disabled", "5.2.1", "550", False),
    Case("452 4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
         G.MAILBOX_FULL, "rhost.google.over-quota", "4.2.2", "452", False),
    Case("550 5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending domain. To best protect our users from spam, the message has been blocked.",
         G.BAD_REPUTATION, "rhost.google.low-reputation", "5.7.1", "550", False),
    Case("550 5.7.25 The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP.",
         G.REQUIRE_PTR, "rhost.google.missing-ptr", "5.7.25", "550"),
    Case("550 5.7.1 Messages with multiple addresses in From: header are not accepted.", G.NOT_COMPLIANT_RFC,
         "rhost.google.multiple-from", "5.7.1", "550"),
    Case("550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos",
         G.UNKNOWN_USER, "rhost.google.account-not-exist", "5.1.1", "550", True),
    Case("452 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.",
         G.RATE_LIMITED, "rhost.google.receiving-rate", "4.2.1", "452"),
    Case("421 4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.",
         G.RATE_LIMITED, "rhost.google.unsolicited-rate", "4.7.28", "421"),
    Case("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints",
         G.BAD_REPUTATION, "rhost.yahoo.tss", "4.7.0", "421", False, "mta5.am0.yahoodns.net"),
    Case("554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes",
         G.POLICY_VIOLATION, "rhost.yahoo.5.7.9-policy", "5.7.9", "554"),
    Case("554 delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) [0]",
         G.UNKNOWN_USER, "rhost.yahoo.no-account", None, "554", True),
    Case("554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: sender@example.org",
         G.NO_RELAYING, "rhost.amazonses", None, "554"),
    Case("554 rejected - AUP#CXBL - see https://www.cox.com/cxbl", G.BLOCKED, "rhost.cox.cxbl", None, "554"),
    Case("550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", G.SPAM_DETECTED, "rhost.orange.ofr-506", "5.2.0", "550"),
    Case("550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", G.NO_RELAYING,
         "rhost.microsoft.5.7.54-non-accepted", "5.7.54", "550"),
    Case("550 5.7.1 RESOLVER.RST.RestrictedToRecipientsPermission; not authorized to send to this recipient", G.REJECTED,
         "rhost.microsoft.restricted-recipient", "5.7.1", "550"),
    Case("550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
         G.BLOCKED, "rhost.microsoft.s3150-blocklist", "5.7.1", "550", remote_mta="eur.olc.protection.outlook.com"),
    Case("550 5.7.1 Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.",
         G.SPAM_DETECTED, "rhost.google.likely-unsolicited", "5.7.1", "550"),
    Case("550 5.7.1 The IP you're using to send mail is not authorized to send email directly to our servers.",
         G.BLOCKED, "rhost.google.ip-not-authorized", "5.7.1", "550"),
    Case("550 5.4.5 Daily user sending quota exceeded.", G.RATE_LIMITED, "rhost.google.daily-sending-limit", "5.4.5", "550"),
    Case("550 5.7.1 This message does not meet IPv6 sending guidelines regarding PTR records and authentication.",
         G.REQUIRE_PTR, "rhost.google.ipv6-guidelines", "5.7.1", "550"),
    Case("421 4.7.0 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed.",
         G.BLOCKED, "rhost.yahoo.tss09-permanent", "4.7.0", "421"),
    Case("554 Message not allowed - [PH01] Email not accepted for policy reasons.", G.POLICY_VIOLATION,
         "rhost.yahoo.ph01-policy", None, "554"),
    Case("554 delivery error: dd Sorry your message to user@example.com cannot be delivered. This mailbox is disabled (554.30)",
         G.SUSPENDED, "rhost.yahoo.mailbox-disabled", None, "554"),
    Case("554 Message not allowed - Headers are not RFC compliant[291]", G.NOT_COMPLIANT_RFC,
         "rhost.yahoo.headers-not-rfc", None, "554"),
    Case("554- (RTR:BB) The IP address you are using to connect to AOL is on a block list", G.BLOCKED,
         "rhost.aol.rtr-block", None, "554"),
    Case("553 http://www.spamhaus.org/query/bl?ip=192.0.2.1", G.BLOCKED, "rhost.godaddy.blocklist-url", "5.1.3", "553",
         remote_mta="smtp.secureserver.net"),
    Case("550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726",
         G.SPAM_DETECTED, "rhost.tencent.content-denied", None, "550", remote_mta="mx3.qq.com"),
    Case("550 Mailbox not found or access denied", G.UNKNOWN_USER, "rhost.tencent.mailbox-not-found", None, "550",
         True, remote_mta="mx1.qq.com"),
    Case("554 5.7.1 [CS01] Message rejected due to local policy.", G.POLICY_VIOLATION, "rhost.apple.cs01-policy",
         "5.7.1", "554", remote_mta="mx01.mail.icloud.com"),
    Case("550 5.1.1 RCP-P1 http://postmaster.facebook.com/response_codes?ip=192.0.2.1#rcp Recipient address does not exist",
         G.UNKNOWN_USER, "rhost.facebook.rcp-p1", "5.1.1", "550", True),
    Case("554 5.7.1 Bad DNS PTR resource record. For explanation visit https://www.ionos.com/help", G.REQUIRE_PTR,
         "rhost.ionos.bad-ptr", "5.7.1", "554"),
    Case("554 5.7.7 Email policy violation detected", G.SECURITY_ERROR, "status.X.7.7", "5.7.7", "554",
         remote_mta="mx.zoho.com"),
    # wording no row knows: held for a person; no wording at all: undefined (the engine's fallback)
    Case("Did not reach the following recipient: user@example.com", G.ON_HOLD, "fallback.unrecognized", None, None),
    Case("450 4.0.0 Temporary failure", G.ON_HOLD, "fallback.unrecognized", "4.0.0", "450"),
    Case("451 4.3.0 Temporary local problem - please try later", G.SYSTEM_ERROR, "text.system-error", "4.3.0", "451"),
    Case("550 Administrative prohibition - envelope blocked", G.REJECTED, "rhost.mimecast.envelope-blocked", None, "550",
         remote_mta="service-alpha-inbound-a.mimecast.com"),
    Case("550 Please turn on SMTP Authentication in your mail client. mail.example.org [192.0.2.1] is not permitted to relay through this server without authentication.",
         G.SECURITY_ERROR, "rhost.messagelabs.auth-relay", None, "550"),
    Case("550 : User unknown", G.FILTERED, "rhost.kddi.user-unknown-empty-address", "5.0.0", "550", False,
         remote_mta="lsean.ezweb.ne.jp"),
    # wording beating a misused code, then trusted codes
    Case("552 sorry, mailbox user@example.com is over quota temporarily (#5.1.1)", G.MAILBOX_FULL,
         "text.mailbox-full", "5.1.1", "552", False),
    Case("550 5.1.1 <user@example.com> - 192.0.2.1 has sent to too many recipients this hour.", G.RATE_LIMITED,
         "rhost.godaddy.ib-rate", "5.1.1", "550", False),
    Case("550 5.1.1 <user@example.com>: Recipient address rejected: User unknown in local recipient table",
         G.UNKNOWN_USER, "status.X.1.1", "5.1.1", "550", True),
    Case("450 4.1.1 <user@example.com>: Recipient address rejected: User unknown in virtual alias table",
         G.UNKNOWN_USER, "status.X.1.1", "4.1.1", "450", True),
    Case("550 5.1.1 <user@example.com>... User unknown", G.UNKNOWN_USER, "status.X.1.1", "5.1.1", "550", True),
    Case("550 5.1.2 <user@example.org>... Host unknown (Name server: example.org: host not found)",
         G.UNKNOWN_HOST, "status.X.1.2", "5.1.2", "550", True),
    Case("550 5.1.6 recipient no longer on server: user@example.com", G.HAS_MOVED, "status.X.1.6", "5.1.6", "550", True),
    Case("553 5.1.8 <sender@example.org>... Domain of sender address sender@example.org does not exist",
         G.REJECTED, "status.X.1.7-8", "5.1.8", "553", False),
    Case("552 5.2.2 <user@example.com>: Recipient address rejected: Mailbox full", G.MAILBOX_FULL,
         "text.mailbox-full", "5.2.2", "552", False),
    Case("552 5.2.2 Quota exceeded (mailbox for user is full)", G.MAILBOX_FULL, "text.mailbox-full", "5.2.2", "552"),
    Case("550 5.2.2 <user@example.com>... over storage allocation", G.MAILBOX_FULL, "status.X.2.2", "5.2.2", "550"),
    Case("552 5.2.3 Message length exceeds administrative limit", G.EXCEED_LIMIT, "status.X.2.3", "5.2.3", "552"),
    Case("552 5.3.4 Message size exceeds fixed limit", G.MESSAGE_TOO_BIG, "status.X.3.4", "5.3.4", "552", False),
    Case("452 4.3.1 Insufficient system storage", G.SYSTEM_FULL, "status.X.3.1", "4.3.1", "452", False),
    Case("554 5.4.6 Too many hops", G.NETWORK_ERROR, "status.X.4.6", "5.4.6", "554"),
    Case("452 4.5.3 Error: too many recipients", G.TOO_MANY_CONNECTIONS, "status.X.5.3", "4.5.3", "452"),
    Case("550 5.7.26 This mail has been blocked because the sender is unauthenticated.", G.AUTH_FAILURE,
         "status.X.7.20-26", "5.7.26", "550"),
    Case("525 5.7.13 User account disabled", G.SUSPENDED, "status.X.7.13", "5.7.13", "525", False),
    # wording
    Case("550 5.7.1 Unauthenticated email from example.org is not accepted due to domain's DMARC policy.",
         G.AUTH_FAILURE, "text.dmarc", "5.7.1", "550", False),
    Case("550 5.7.1 SPF check failed: 192.0.2.1 is not allowed to send mail from example.org", G.AUTH_FAILURE,
         "text.spf", "5.7.1", "550"),
    Case("550 5.7.1 DKIM signature verification failed", G.AUTH_FAILURE, "text.dkim", "5.7.1", "550"),
    Case("450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]", G.REQUIRE_PTR,
         "text.reverse-dns", "4.7.1", "450", False),
    Case("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", G.BLOCKED,
         "text.blocklisted", "5.7.1", "554", False),
    Case("550 5.7.1 Your IP address 192.0.2.1 is listed at bl.spamcop.net", G.BLOCKED, "text.blocklisted", "5.7.1", "550"),
    Case("553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list",
         G.BLOCKED, "rhost.yahoo.bl-spamhaus", "5.7.1", "553"),
    Case("550 5.7.1 Mail from IP 192.0.2.1 was rejected due to poor reputation", G.BAD_REPUTATION,
         "text.reputation", "5.7.1", "550"),
    Case("421 4.7.0 Rate limit exceeded, please try again later", G.RATE_LIMITED, "text.rate-limit", "4.7.0", "421"),
    Case("421 Too many concurrent SMTP connections from this IP address; please try again later.",
         G.TOO_MANY_CONNECTIONS, "text.too-many-connections", None, "421"),
    Case("554 5.7.1 <user@example.com>: Relay access denied", G.NO_RELAYING, "text.relay-denied", "5.7.1", "554", False),
    Case("550 5.7.1 Unable to relay for user@example.org", G.NO_RELAYING, "text.relay-denied", "5.7.1", "550"),
    Case("530 5.7.0 Authentication required", G.SECURITY_ERROR, "text.smtp-auth-required", "5.7.0", "530"),
    Case("530 5.7.0 Must issue a STARTTLS command first", G.SECURITY_ERROR, "text.smtp-auth-required", "5.7.0", "530"),
    Case("550 5.7.1 Virus detected: Win.Trojan.Agent-12345 FOUND", G.VIRUS_DETECTED, "text.virus", "5.7.1", "550"),
    Case("554 5.7.1 The message was rejected because it contains malware", G.VIRUS_DETECTED, "text.virus", "5.7.1", "554"),
    Case("554 5.6.0 This message has been scored as spam with a probability of more than 90%", G.SPAM_DETECTED,
         "text.spam", "5.6.0", "554", False),
    Case("550 5.7.1 Message content rejected, UBE, id=12345-01", G.SPAM_DETECTED, "text.spam", "5.7.1", "550"),
    Case("554 5.7.1 Spam message rejected", G.SPAM_DETECTED, "text.spam", "5.7.1", "554"),
    Case("554 5.7.1 <sender@example.org>: Sender address rejected: Access denied", G.REJECTED,
         "text.sender-rejected", "5.7.1", "554", False),
    Case("550 5.7.1 You are not a member of this mailing list", G.REJECTED, "text.sender-rejected", "5.7.1", "550"),
    Case("550 5.7.1 Access denied", G.REJECTED, "command.mail", "5.7.1", "550", command="MAIL"),
    Case("550 Rejected", G.BLOCKED, "command.conn-helo", "5.0.0", "550", command="EHLO"),
    Case("550 : User unknown", G.FILTERED, "text.user-unknown-after-data", "5.0.0", "550", False, command="DATA"),
    Case("550 5.2.1 <user@example.com>... User Unknown", G.UNKNOWN_USER, "text.user-unknown-5.2.1-rcpt", "5.2.1", "550",
         True, command="RCPT"),
    Case("550 : User unknown", G.FILTERED, "text.user-unknown-empty-address", "5.0.0", "550", False),
    Case("550 : User unknown", G.FILTERED, "text.user-unknown-empty-address", None, "550", False, command="RCPT"),
    Case("550 <user@example.com>: User unknown", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("550 5.2.1 <user@example.com>... User Unknown", G.FILTERED, "text.user-unknown-5.2.1", "5.2.1", "550", False),
    Case("550 5.2.1 <user@example.com>... User Unknown", G.FILTERED, "text.user-unknown-after-data", "5.2.1", "550", False,
         command="DATA"),
    Case("550 5.2.1 no such user here", G.UNKNOWN_USER, "text.user-unknown-5.2.1-rcpt", "5.2.1", "550", True,
         command="RCPT"),
    Case("550 5.2.1 Mailbox disabled, not accepting messages", G.SUSPENDED, "text.account-disabled", "5.2.1", "550"),
    Case("temporary failure", G.MAILER_ERROR, "fact.local-program", "4.3.0", None, False, action="delayed",
         hint=G.MAILER_ERROR),
    Case("Disk quota exceeded", G.MAILBOX_FULL, "text.mailbox-full", "5.2.2", None, hint=G.MAILER_ERROR),
    Case("Name service error for name=example.org type=MX: Malformed or unexpected name server reply",
         G.NOT_ACCEPT, "text.mx-malformed-permanent", "5.4.4", None, True),
    Case("Name service error for name=example.org type=MX: Malformed or unexpected name server reply",
         G.NETWORK_ERROR, "text.dns-temporary", "4.4.3", None, False, action="delayed"),
    Case("550 5.2.0 Message Filtered", G.FILTERED, "text.recipient-preferences", "5.2.0", "550"),
    Case("550 5.1.1 RCP-P2 Refused due to recipient preferences", G.FILTERED, "rhost.facebook.rcp-p2",
         "5.1.1", "550", False),
    Case("550 5.7.1 <user@example.com>: Recipient address rejected: User user@example.com temporary locked.",
         G.SUSPENDED, "text.account-disabled", "5.7.1", "550", False),
    Case("vdelivermail: account is locked email bounced", G.SUSPENDED, "text.account-disabled"),
    Case("551 not our customer", G.HAS_MOVED, "text.has-moved", None, "551", True),
    Case("551 5.1.6 User not local; please try <user@example.org>", G.HAS_MOVED, "status.X.1.6", "5.1.6", "551", True),
    Case("550 Requested action not taken: mailbox unavailable", G.UNKNOWN_USER, "text.user-unknown", "5.5.0", "550", True),
    Case("Sorry, no mailbox here by that name. (#5.1.1)", G.UNKNOWN_USER, "status.X.1.1", "5.1.1", None, True),
    Case("550 No such user here", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("User user (user@example.com) not listed in Domino Directory", G.UNKNOWN_USER, "text.user-unknown", hard=True),
    Case("550 5.5.0 Adresse destinataire invalide. Invalid recipient.", G.UNKNOWN_USER, "text.user-unknown", "5.5.0", "550", True),
    Case("550 Benutzer unbekannt", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("550 Usuario desconocido", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("550 Пользователь не найден", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("550 收件人不存在", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("ユーザー Neko (user@example.com) は Domino ディレクトリには見つかりません。", G.UNKNOWN_USER, "text.user-unknown"),
    Case("552 Postfach voll", G.MAILBOX_FULL, "text.mailbox-full", None, "552"),
    Case("Mailbox size limit exceeded", G.MAILBOX_FULL, "text.mailbox-full"),
    Case("552 mailbox is full", G.MAILBOX_FULL, "text.mailbox-full", None, "552"),
    Case("550 user has no mailbox", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("550 5.7.1 Message rejected due to content restrictions", G.POLICY_VIOLATION, "text.policy", "5.7.1", "550"),
    Case("550 Такого пользователя нет", G.UNKNOWN_USER, "text.user-unknown", None, "550", True),
    Case("552 メールボックスが一杯です", G.MAILBOX_FULL, "text.mailbox-full", None, "552"),
    Case("550 Account disabilitato", G.SUSPENDED, "text.account-disabled", None, "550"),
    Case("550 Учетная запись отключена", G.SUSPENDED, "text.account-disabled", None, "550"),
    Case("550 5.1.1 <user@example.com>: L'adresse ci-dessus n'existe pas dans notre annuaire", G.UNKNOWN_USER,
         "status.X.1.1", "5.1.1", "550", True),
    Case("L'adresse ci-dessus n'existe pas dans notre annuaire. Vérifiez son orthographe.", G.UNKNOWN_USER,
         "text.user-unknown-intl", None, None, True),
    Case("550 Die Empfängeradresse user@example.com existiert nicht", G.UNKNOWN_USER, "text.user-unknown-intl", None, "550", True),
    Case("550 La cuenta de correo user@example.com no existe", G.UNKNOWN_USER, "text.user-unknown-intl", None, "550", True),
    Case("550 O endereço de e-mail user@example.com não existe", G.UNKNOWN_USER, "text.user-unknown-intl", None, "550", True),
    Case("550 La casella di posta user@example.com non esiste", G.UNKNOWN_USER, "text.user-unknown-intl", None, "550", True),
    Case("550 Учетная запись user@example.com не найдена", G.UNKNOWN_USER, "text.user-unknown-intl", None, "550", True),
    Case("550 Le domaine example.org n'existe pas", G.UNKNOWN_HOST, "text.host-unknown-intl", None, "550", True),
    Case("550 Ihre IP-Adresse 192.0.2.1 steht auf einer Sperrliste", G.BLOCKED, "text.blocklisted-intl", None, "550"),
    Case("554 Votre adresse IP 192.0.2.1 est sur liste noire", G.BLOCKED, "text.blocklisted-intl", None, "554"),
    Case("554 Message refusé: courrier indésirable", G.SPAM_DETECTED, "text.spam-intl", None, "554"),
    Case("550 邮件被识别为垃圾邮件", G.SPAM_DETECTED, "text.spam-intl", None, "550"),
    Case("553 Absender abgelehnt", G.REJECTED, "text.sender-rejected-intl", None, "553"),
    Case("553 Expéditeur refusé", G.REJECTED, "text.sender-rejected-intl", None, "553"),
    Case("452 4.2.2 Boîte aux lettres pleine", G.MAILBOX_FULL, "text.mailbox-full", "4.2.2", "452"),
    Case("Host or domain name not found. Name service error for name=example.org type=A: Host not found",
         G.UNKNOWN_HOST, "text.host-unknown", "5.4.4", None, True),
    Case("Unrouteable address", G.UNKNOWN_HOST, "text.host-unknown", None, None, True),
    Case("Name service error for domain example.org: Host not found, try again", G.NETWORK_ERROR,
         "text.dns-temporary", "4.4.3", None, False),
    Case("Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)", G.NOT_ACCEPT, "text.null-mx", "5.4.4", None, True),
    Case("556 5.1.10 Recipient address has null MX", G.NOT_ACCEPT, "status.X.1.10", "5.1.10", "556", True),
    Case("DNS Error: lookup of example.org responded with code NOERROR The domain example.org doesn't receive email according to the administrator: returned Null MX",
         G.NOT_ACCEPT, "text.null-mx", "4.0.0", None, False),
    Case("552 Message size exceeds maximum permitted", G.MESSAGE_TOO_BIG, "text.message-too-big", None, "552"),
    Case("Mail size limit exceeded.", G.MESSAGE_TOO_BIG, "text.message-too-big"),
    Case("550 5.7.0 Local Policy Violation", G.POLICY_VIOLATION, "text.policy", "5.7.0", "550", False),
    Case("550 Denied by policy", G.POLICY_VIOLATION, "text.policy", None, "550"),
    Case("550 5.6.9 improper use of 8-bit data in message header", G.CONTENT_ERROR, "text.content", "5.6.9", "550"),
    Case("554 5.6.1 Message media not supported", G.CONTENT_ERROR, "text.content", "5.6.1", "554"),
    Case("connect to mx.example.org[192.0.2.1]:25: Connection timed out", G.NETWORK_ERROR, "text.timeout-delayed", "4.4.1",
         None, False, action="delayed"),
    Case("connect to mx.example.org[192.0.2.1]:25: Connection timed out", G.EXPIRED, "text.timeout-failed", "4.4.1",
         None, False),
    Case("all hosts have been failing for a long time and were last tried after this message arrived", G.EXPIRED,
         "text.expired"),
    Case("Sorry, I wasn't able to establish an SMTP connection. (#4.4.1) I'm not going to try again; this message has been in the queue too long.",
         G.EXPIRED, "text.expired", "4.4.1"),
    Case("retry timeout exceeded", G.EXPIRED, "text.expired"),
    Case("Message could not be delivered for 5 days Message will be deleted from queue", G.EXPIRED, "text.expired", "4.4.7"),
    Case("connect to mx.example.org[192.0.2.1]:25: No route to host", G.NETWORK_ERROR, "text.network", "4.4.1", None, False,
         action="delayed"),
    Case("554 5.3.0 unknown mailer error 255", G.MAILER_ERROR, "text.mailer", "5.3.0", "554"),
    Case("procmail: Couldn't create \"/var/spool/mail/user\"", G.MAILER_ERROR, "text.mailer"),
    Case("550 5.3.5 <user@example.com>... Internal System Error", G.SYSTEM_ERROR, "text.system-error", "5.3.5", "550"),
    Case("451 4.3.0 Error: queue file write error", G.SYSTEM_ERROR, "status.X.3.5", "4.3.0", "451", False),
    Case("504 5.5.2 <bad>: Helo command rejected: need fully-qualified hostname", G.SYNTAX_ERROR,
         "status.X.5.x", "5.5.2", "504"),
    Case("500 5.5.1 Command unrecognized", G.SYNTAX_ERROR, "text.syntax-error", "5.5.1", "500"),
    Case("Recipient address rejected: On hold", G.ON_HOLD, "text.on-hold", "5.0.0", "550"),
    Case('procmail: Couldn\'t create "/var/spool/mail/user" id: user: No such user', G.MAILER_ERROR,
         "text.mailer-failure-strong", "5.1.1"),
    Case("255", G.MAILER_ERROR, "text.exit-status", "5.0.0"),
    Case("71", G.MAILER_ERROR, "text.exit-status", "4.5.0", action="delayed"),
    Case("421", G.EXPIRED, "action.delayed", "4.5.0", "421", action="delayed"),
    Case("554 5.7.0 Header error", G.POLICY_VIOLATION, "text.header-error-policy", "5.7.0", "554"),
    Case("554 5.6.0 Header error", G.CONTENT_ERROR, "text.content", "5.6.0", "554"),
    Case("500 Line limit exceeded", G.NOT_COMPLIANT_RFC, "text.not-compliant", None, "500"),
    Case("554 Mail from sender@example.org rejected for policy reasons.", G.POLICY_VIOLATION, "text.policy", "5.0.0",
         "554", command="MAIL"),
    Case("550 #5.1.0 Address rejected.", G.UNKNOWN_USER, "text.address-rejected-5.1.0", "5.1.0", "550", True),
    Case("Connected to 192.0.2.1 but sender was rejected. Remote host said: 550 5.7.1 <sender@example.org>... Access denied",
         G.REJECTED, "text.sender-rejected", "5.7.1", "550"),
    Case("Connected to 192.0.2.1 but my name was rejected. Remote host said: 501 5.0.0 Invalid domain name",
         G.BLOCKED, "command.conn-helo", "5.0.0", "501", command="HELO"),
    Case("Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.", G.EXPIRED, "vendor.zoho.host-not-reachable",
         None, "421", format="zoho"),
    Case("The recipient name is not recognized", G.UNKNOWN_USER, "vendor.exchange2003.not-recognized", format="exchange2003"),
    Case("Each of the following recipients was rejected by a remote mail server.", G.FILTERED,
         "vendor.ezweb.rejected-no-reply", format="ezweb"),
    Case("Delivery to the following recipients was aborted after 5.0 hour(s): user@example.com", G.EXPIRED, "text.expired"),
    Case("542 user@example.com Rejected", G.UNKNOWN_USER, "text.recipient-rejected-bare", "5.0.0", "542", True),
    # generic codes and fallbacks
    Case("550 5.7.1 Delivery not authorized, message refused", G.SECURITY_ERROR, "text.smtp-auth-required", "5.7.1", "550"),
    Case("550 5.7.1 Rejected", G.SECURITY_ERROR, "status.X.7.x", "5.7.1", "550", False),
    Case("", G.EXPIRED, "action.delayed", "4.0.0", None, False, action="delayed"),
    Case("550 5.2.1 Mailbox disabled, not accepting messages", G.SUSPENDED, "text.account-disabled", "5.2.1", "550"),
    Case("550 5.2.1 Requested action not taken", G.SUSPENDED, "status.X.2.1", "5.2.1", "550", False),
    Case("452 Requested action not taken", G.SYSTEM_FULL, "reply.452", None, "452"),
    Case("554 Transaction failed", G.REJECTED, "reply.554", None, "554", False),
    Case("521 Host does not accept mail", G.NOT_ACCEPT, "text.null-mx", None, "521", True),
    Case("", G.UNDEFINED, FALLBACK_ID, "5.0.0", None, False),
    Case("something nobody has ever written", G.ON_HOLD, "fallback.unrecognized", None, "550", False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.group.value}:{c.diagnostic[:40]}")
def test_builtin_case(case: Case) -> None:
    decision = BUILTIN.decide(case.evidence(), case.format)
    assert decision.group is case.group, decision
    assert decision.rule.startswith(case.rule), decision
    if case.hard is not None:
        assert decision.hard is case.hard, decision


def test_every_group_is_reached_by_a_case() -> None:
    reached = {c.group for c in CASES if c.diagnostic}
    missing = set(Group) - reached - {Group.UNDEFINED}
    assert not missing, f"no realistic diagnostic line reaches {sorted(g.value for g in missing)}"


def test_cases_are_plentiful() -> None:
    assert len(CASES) >= 80


# --- hard / soft policy -------------------------------------------------------------------------


def _ev(**kw: Any) -> Evidence:
    kw.setdefault("recipient", "user@example.com")
    return Evidence(**kw)


def test_delayed_is_never_hard_even_for_unknown_user() -> None:
    d = BUILTIN.decide(_ev(action="delayed", status="4.1.1", diagnostic="User unknown"))
    assert d.group is Group.UNKNOWN_USER and d.hard is False


def test_not_accept_is_hard_only_when_permanent() -> None:
    assert BUILTIN.decide(_ev(status="5.3.2", diagnostic="")).hard is True
    assert BUILTIN.decide(_ev(status="4.3.2", diagnostic="")).hard is False
    assert BUILTIN.decide(_ev(diagnostic="No MX found for domain")).hard is True  # no code at all


def test_rule_hard_overrides_policy_but_not_delay_or_non_failures() -> None:
    rules = RuleSet.from_toml(
        '[[rule]]\nid = "x.hard"\nreply_code = "4*"\ngroup = "rate_limited"\nhard = true\n'
        '[[rule]]\nid = "x.soft-user"\nreply_code = "550"\ngroup = "unknown_user"\nhard = false\n'
        '[[rule]]\nid = "x.vacation"\nreply_code = "250"\ngroup = "vacation"\nhard = true\n'
    )
    assert rules.decide(_ev(reply_code="421")) == Decision(Group.RATE_LIMITED, True, "x.hard")
    assert rules.decide(_ev(reply_code="421", action="delayed")).hard is False
    assert rules.decide(_ev(reply_code="550")) == Decision(Group.UNKNOWN_USER, False, "x.soft-user")
    assert rules.decide(_ev(reply_code="250")).hard is False


# --- engine semantics ---------------------------------------------------------------------------


def test_globs_lists_and_first_match() -> None:
    rules = RuleSet.from_toml(
        """
[[rule]]
id = "a.specific"
status = ["5.7.26", "5.7.27"]
group = "auth_failure"

[[rule]]
id = "a.any-7"
status = "5.7.*"
reply_code = "55*"
group = "blocked"

[[rule]]
id = "a.x11"
status = "*.1.1"
group = "unknown_user"

[[rule]]
id = "a.remote"
remote_mta = '(?i)(^|\\.)example\\.net$'
command = "rcpt"
group = "filtered"

[[rule]]
id = "a.format"
format = ["arf", "feedback-id"]
group = "feedback"
""",
        source="test.toml",
    )
    assert rules.decide(_ev(status="5.7.26", reply_code="550")).rule == "a.specific"
    assert rules.decide(_ev(status="5.7.1", reply_code="554")).rule == "a.any-7"
    assert rules.decide(_ev(status="5.7.1", reply_code="421")).rule == FALLBACK_ID
    assert rules.decide(_ev(status="5.7.1")).rule == FALLBACK_ID  # reply_code condition needs a code
    assert rules.decide(_ev(status="4.1.1")).rule == "a.x11"
    assert rules.decide(_ev(status="5.1.10")).rule == FALLBACK_ID
    assert rules.decide(_ev(remote_mta="mx.example.net", command="RCPT")).rule == "a.remote"
    assert rules.decide(_ev(remote_mta="mx.example.net.evil.org", command="RCPT")).rule == FALLBACK_ID
    assert rules.decide(_ev(remote_mta="mx.example.net", command="DATA")).rule == FALLBACK_ID
    assert rules.decide(_ev(), format="arf").rule == "a.format"
    assert rules.decide(_ev()).rule == FALLBACK_ID
    assert [r.id for r in rules] == ["a.specific", "a.any-7", "a.x11", "a.remote", "a.format"]
    assert rules["a.remote"].command == ("RCPT",)


def test_user_rules_layering() -> None:
    base = RuleSet.from_toml('[[rule]]\nid = "b.one"\nreply_code = "550"\ngroup = "unknown_user"\n'
                             '[[rule]]\nid = "b.two"\nreply_code = "5*"\ngroup = "rejected"\n', source="base.toml")
    user = RuleSet.from_toml('[[rule]]\nid = "u.first"\ndiagnostic = "(?i)greylist"\ngroup = "on_hold"\n'
                             '[[rule]]\nid = "b.two"\nreply_code = "5*"\ngroup = "blocked"\n', source="user.toml")
    layered = base.with_user_rules(user)
    assert [r.id for r in layered] == ["u.first", "b.one", "b.two"]
    assert layered["b.two"].group is Group.BLOCKED and layered["b.two"].source_file == "user.toml"
    assert layered.decide(_ev(reply_code="550", diagnostic="Greylisted")).rule == "u.first"
    assert [r.id for r in base.with_user_rules(user, disable=["b.one"])] == ["u.first", "b.two"]
    with pytest.raises(RuleError, match="b.nine"):
        base.with_user_rules(user, disable=["b.nine"])
    combined = user + RuleSet.from_toml('[[rule]]\nid = "c.x"\nstatus = "5.*"\ngroup = "rejected"\n')
    assert [r.id for r in combined] == ["u.first", "b.two", "c.x"]
    with pytest.raises(RuleError, match="same id"):
        base + user  # noqa: B018  (b.two twice)


def test_builtin_with_user_rules_keeps_builtin_intact() -> None:
    user = RuleSet.from_toml('[[rule]]\nid = "status.X.1.1"\nstatus = "*.1.1"\ngroup = "filtered"\n')
    layered = BUILTIN.with_user_rules(user)
    assert len(layered) == len(BUILTIN)
    assert layered.decide(_ev(status="5.1.1")).group is Group.FILTERED
    assert BUILTIN.decide(_ev(status="5.1.1")).group is Group.UNKNOWN_USER


def test_rule_to_dict_round_trips() -> None:
    rule = BUILTIN["rhost.microsoft.5.4.1"]
    again = Rule(**rule.to_dict())
    assert again == Rule(**{**rule.to_dict()})
    assert again.group is rule.group and again.status == rule.status and again.diagnostic == rule.diagnostic


def test_from_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('# my rules\n\n[[rule]]\nid = "m.one"\nreply_code = "554"\ngroup = "spam_detected"\n', encoding="utf-8")
    rules = RuleSet.from_file(path)
    assert len(rules) == 1 and rules["m.one"].source_file == str(path) and rules["m.one"].line == 3
    with pytest.raises(RuleError, match="cannot be read"):
        RuleSet.from_file(tmp_path / "missing.toml")


# --- loader errors ------------------------------------------------------------------------------

ERRORS = [
    ('[[rule]]\nid = "e.ok"\nstatus = "5.1.1"\ngroup = "unknown_user"\n\n[[rule]]\nid = "e.bad"\n'
     'diagnostic = "(?i)user (unknown"\ngroup = "unknown_user"\n', "e.bad", 6, "does not compile"),
    ('[[rule]]\nid = "e.group"\nstatus = "5.1.1"\ngroup = "no_such_group"\n', "e.group", 1, "unknown group"),
    ('[[rule]]\nid = "e.dup"\nstatus = "5.1.1"\ngroup = "unknown_user"\n[[rule]]\nid = "e.dup"\n'
     'status = "5.1.2"\ngroup = "unknown_host"\n', "e.dup", 5, "same id"),
    ('\n[[rule]]\nid = "e.key"\nstatus = "5.1.1"\nstatuses = "5.1.2"\ngroup = "unknown_user"\n', "e.key", 2, "unknown keys: statuses"),
    ('[[rule]]\nid = "e.none"\ngroup = "unknown_user"\nnote = "no condition"\n', "e.none", 1, "no condition"),
    ('[[rule]]\nid = "e.status"\nstatus = "5.1.x"\ngroup = "unknown_user"\n', "e.status", 1, "malformed status"),
    ('[[rule]]\nid = "e.action"\naction = "bounced"\ngroup = "unknown_user"\n', "e.action", 1, "unknown action"),
    ('[[rule]]\nid = "e.hint"\nhint = "nonsense"\ngroup = "feedback"\n', "e.hint", 1, "unknown group"),
    ('[[rule]]\nid = "e.hard"\nstatus = "5.1.1"\ngroup = "unknown_user"\nhard = "yes"\n', "e.hard", 1, "'hard'"),
    ('[[rule]]\nid = "e.group-missing"\nstatus = "5.1.1"\n', "e.group-missing", 1, "no 'group'"),
]


@pytest.mark.parametrize("text,rule_id,line,words", ERRORS, ids=[e[1] for e in ERRORS])
def test_loader_errors_name_file_rule_and_line(text: str, rule_id: str, line: int, words: str) -> None:
    with pytest.raises(RuleError) as info:
        RuleSet.from_toml(text, source="mine.toml")
    message = str(info.value)
    assert "mine.toml" in message and repr(rule_id) in message and f"line {line}" in message, message
    assert words in message, message
    assert message.rstrip().endswith("."), "messages are whole sentences"
    assert isinstance(info.value, ValueError)


def test_missing_id_and_bad_toml() -> None:
    with pytest.raises(RuleError, match=r"mine\.toml, line 1.*no id"):
        RuleSet.from_toml('[[rule]]\nstatus = "5.1.1"\ngroup = "unknown_user"\n', source="mine.toml")
    with pytest.raises(RuleError, match=r"mine\.toml is not valid TOML"):
        RuleSet.from_toml('[[rule]\nid = "x"', source="mine.toml")
    with pytest.raises(RuleError, match="unknown top-level keys: rules"):
        RuleSet.from_toml('[[rules]]\nid = "x"\n', source="mine.toml")


# --- evidence the rules rely on ------------------------------------------------------------------


def test_transcript_command_reads_sendmail_and_pipelining() -> None:
    from bouncekit.formats._common import transcript_command

    plain = "... while talking to mx.example.org.:\n>>> DATA\n<<< 550 Unknown user user@example.org\n554 5.0.0 Service unavailable\n"
    assert transcript_command(plain, "user@example.org") == "DATA"
    piped = (">>> DATA\n<<< 550 5.1.1 <user@example.org>... User unknown\n"
             "<<< 503 5.0.0 Need RCPT (recipient)\n")
    assert transcript_command(piped, "user@example.org") == "RCPT"
    # RFC 5321 3.3: "554 no valid recipients" to DATA also shows the refusals answered RCPT
    no_valid = (">>> DATA\n<<< 550 <user@example.org>: Recipient address rejected: User unknown\n"
                "550 5.1.1 <user@example.org>... User unknown\n<<< 554 5.5.1 Error: no valid recipients\n")
    assert transcript_command(no_valid, "user@example.org") == "RCPT"
    # the reply does not name the address; sendmail's summary line just below it does
    summary = (">>> DATA\n<<< 551 not our user\n550 5.1.1 <user@example.org>... User unknown\n"
               "<<< 503 need RCPT command [data]\n")
    assert transcript_command(summary, "user@example.org") == "RCPT"
    assert transcript_command(summary.replace("503 need", "250 go"), "user@example.org") == "DATA"
    # a summary line that follows no reply is not attributed to one
    assert transcript_command(">>> DATA\n554 5.0.0 <user@example.org>... Service unavailable\n", "user@example.org") is None
    assert transcript_command(">>> RCPT To:<user@example.org>\n<<< 550 5.1.1 No such user\n", "other@example.org") is None
    assert transcript_command("no transcript here", "user@example.org") is None


def test_printed_exchanges_give_the_refused_command_and_the_reply() -> None:
    from bouncekit.formats._scan import printed_exchanges

    # bare, labelled, arrowed either way, IMail's wording; accepted commands are not listed
    bare = " MAIL From:<a@example.com>\n 250 ok\n RCPT To:<b@example.org>\n 552 Message for <b@example.org> too big\n"
    assert printed_exchanges(bare) == [("RCPT", " RCPT To:<b@example.org>", "552 Message for <b@example.org> too big")]
    labelled = "hMailServer sent: RCPT TO:<b@example.org>\nRemote server replied: 550 5.1.1 User unknown\n"
    assert printed_exchanges(labelled)[0][::2] == ("RCPT", "550 5.1.1 User unknown")
    reversed_arrows = "Sent <<< MAIL FROM:<a@example.com>\nReceived >>> 553 5.1.8 Sender domain does not exist\n"
    assert printed_exchanges(reversed_arrows)[0][::2] == ("MAIL", "553 5.1.8 Sender domain does not exist")
    imail = "RCPT TO generated following response:\n553 5.3.0 <b@example.org>... Addressee unknown\n"
    assert printed_exchanges(imail)[0][0] == "RCPT"
    multi = ">>> DATA\n<<< 554-5.7.1 Message refused\n<<< 554 5.7.1 as spam\nQUIT\n"
    assert printed_exchanges(multi) == [("DATA", ">>> DATA", "554 5.7.1 Message refused as spam")]
    # after a pipelined DATA, a reply naming a recipient answered RCPT only if the batch shows it
    piped = ">>> DATA\n<<< 550 <b@example.org>: User unknown\n<<< 554 5.5.1 Error: no valid recipients\n"
    assert printed_exchanges(piped)[0][0] == "RCPT"
    assert printed_exchanges(piped.replace("554 5.5.1 Error: no valid recipients", "354 go ahead"))[0][0] is None
    assert printed_exchanges("Your mail from a@example.com to b@example.org\n550 refused\n") == []


def test_multiline_replies_are_joined_without_repeated_prefixes() -> None:
    from bouncekit.formats._common import clean_diagnostic, complete_reply

    joined, _ = clean_diagnostic("smtp; 550-5.7.1 [192.0.2.1 13] Messages with multiple 550 5.7.1 addresses in From: header")
    assert joined == "550 5.7.1 [192.0.2.1 13] Messages with multiple addresses in From: header"
    body = ("... while talking to mx.example.com.:\n>>> DATA\n"
            "<<< 550-5.7.1 This message does not have authentication information or fails to pass\n"
            "<<< 550-5.7.1 authentication checks. To best protect our users from spam, the\n"
            "<<< 550 5.7.1 message has been blocked.\n554 5.0.0 Service unavailable\n")
    first = "SMTP; 550-5.7.1 This message does not have authentication information or fails to pass"
    whole = complete_reply(body, first)
    assert clean_diagnostic(whole)[0] == ("550 5.7.1 This message does not have authentication information or fails "
                                          "to pass authentication checks. To best protect our users from spam, the "
                                          "message has been blocked.")
    assert complete_reply("nothing", first) == first
    assert complete_reply(body, "SMTP; 550 5.1.1 User unknown") == "SMTP; 550 5.1.1 User unknown"


def test_session_markers_name_the_refused_step() -> None:
    from bouncekit.formats._common import clean_diagnostic, command_of

    assert command_of("connect to mx.example.com[192.0.2.1]: server refused to talk to me: 554 5.7.1 go away") == "CONN"
    assert command_of("Connected to 192.0.2.1 but my name was rejected. Remote host said: 501 bad name") == "HELO"
    assert command_of("Connected to 192.0.2.1 but sender was rejected. Remote host said: 553 no") == "MAIL"
    # Exim names a pipelined command with "pipelined " in front of it
    assert command_of("SMTP error from remote mail server after pipelined RCPT TO:<a@example.org>: 550 no") == "RCPT"
    assert command_of("SMTP error from remote mail server after pipelined MAIL FROM:<> SIZE=9: 550 no") == "MAIL"
    assert command_of("SMTP error from remote mail server after pipelined end of data: 554 spam") == "DATA"
    # Postfix's LMTP client: LHLO (RFC 2033) is kept apart from HELO, a local server's greeting is no
    # verdict on the sending host
    lmtp = "host lmtp.example.org[private/lmtp] said: 421 4.3.0 error (in reply to LHLO command)"
    assert command_of(lmtp) == "LHLO"
    assert clean_diagnostic(lmtp) == ("421 4.3.0 error", "lmtp.example.org")


def test_remote_servers_own_code_beats_a_mapped_status_field() -> None:
    from bouncekit.formats._common import evidence

    ev = evidence("user@example.com", "smtp; 550 5.7.1 IP address blacklisted by recipient", status="5.1.1")
    assert ev.status == "5.7.1" and BUILTIN.decide(ev).group is Group.BLOCKED
    # a reply code of another class than its status is not trusted over the field
    assert evidence("user@example.com", "554 4.4.7 Message expired", status="4.4.2").status == "4.4.2"
    # a failed delivery with a transient Status field: the server's permanent reply says what happened
    refused = "smtp; 550 5.5.0 Service refused, please try later"
    assert evidence("user@example.com", refused, status="4.5.0", action="failed").status == "5.5.0"
    assert evidence("user@example.com", refused, status="4.5.0", action="delayed").status == "4.5.0"


def test_verbose_patterns_escape_their_spaces() -> None:
    """In (?x) mode a plain space is ignored: ``mail box (?:is )?full`` would need "mailboxisfull".

    Every space between two pieces of a verbose built-in pattern must be escaped (``\\ ``); spaces
    next to ``|``, parentheses or the line's indentation are layout.
    """
    layout_only = re.compile(r"(?<![\\|(\s])[ \t]+(?![|)\s])")
    offenders = []
    for rule in RuleSet.builtin():
        for pattern in (rule.diagnostic, rule.remote_mta):
            if not pattern or not re.match(r"\(\?[a-z]*x", pattern):
                continue
            for line in pattern.splitlines():
                code = line.split(" #")[0].strip()
                code = re.sub(r"\[(?:\\.|[^\]])*\]", "[]", code)  # a space inside a character class is literal
                if layout_only.search(code):
                    offenders.append(f"{rule.id}: {line.strip()}")
    assert not offenders, "unescaped spaces in verbose patterns:\n" + "\n".join(offenders)

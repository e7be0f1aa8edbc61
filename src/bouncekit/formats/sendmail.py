"""Sendmail (8.x), with its "Transcript of session".

``From: Mail Delivery Subsystem <MAILER-DAEMON@host>``, ``Subject: Returned mail: see transcript
for details`` (``Warning: could not send message for past 4 hours``, ``Postmaster notify: ...``).
The human part lists the recipients, then replays the SMTP dialogue::

       ----- The following addresses had permanent fatal errors -----
    <user@example.org>
        (reason: 550 5.1.1 <user@example.org>... User unknown)

       ----- Transcript of session follows -----
    ... while talking to mx.example.org.:
    >>> RCPT To:<user@example.org>
    <<< 550 5.1.1 <user@example.org>... User unknown
    550 5.1.1 <user@example.org>... User unknown

Usually an RFC 3464 part follows; its fields give recipient and action, but its Status is
Sendmail's own mapping, so the remote server's reply (the ``<<<`` lines, with the command that
drew it) is preferred for the diagnostic and for the enhanced code. Without a DSN (old or
forwarded reports) the list and the transcript are all there is.

An alias shows in the list as ``user@host`` then ``(expanded from: <alias@example.org>)``. The DSN
then names the alias as Final-Recipient (the expansion is only its X-Actual-Recipient); without a
DSN both are reported: the alias is the address the sender used, the expansion the one that failed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import addresses, codes
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import NO_VALID_RECIPIENTS, TRANSCRIPT_COMMANDS, TRANSCRIPT_HEADING, combine, dsn_evidence, evidence

_LIST = re.compile(r"(?im)^[^\S\n]*-+\s*The following addresses had "
                   r"(?:permanent fatal errors|transient non-fatal errors)\s*-+\s*$")
_TALKING = re.compile(r"(?i)^\.\.\. while talking to ([^\s:]+?)\.?:\s*$")
_SENT = re.compile(r"^>>> (\S+)(?:\s+(\S+))?(.*)$")
_SUMMARY = re.compile(r"^([245]\d\d)\s+(?:[245]\.\d{1,3}\.\d{1,3}\s+)?<?([^\s<>]+@[^\s<>]+?)>?\.\.\.\s*(.*)$")
_EXPANDED = re.compile(r"^\s*\(expanded from:\s*(.*)\)\s*$")


class Sendmail:
    name = "sendmail"

    def matches(self, mail: Mail) -> bool:
        subject = mail.subject.lower()
        return ("mail delivery subsystem" in mail.sender
                or subject.startswith(("returned mail:", "warning: could not send message", "postmaster notify:")))

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        aliases: dict[str, str] = {}
        listed = self._listed(text, aliases)
        dsn = dsn_evidence(mail)
        known = set(listed) | {ev.recipient.lower() for ev in dsn if ev.recipient}
        replies, summaries, hosts = self._transcript(text, known)
        order = list(listed) + [r for r in summaries if r and r not in listed]
        if dsn and len(dsn) == len(order) and any(ev.recipient is None for ev in dsn):
            # "Final-Recipient: RFC822; @host" and the like: the list names them in the same order
            dsn = [ev if ev.recipient else evidence(r, ev.diagnostic, status=ev.status, action=ev.action,
                                                    remote_mta=ev.remote_mta, clean=False)
                   for ev, r in zip(dsn, order)]
        order += [ev.recipient.lower() for ev in dsn if ev.recipient and ev.recipient.lower() not in order]
        human: dict[str, Evidence] = {}
        remote_status: dict[str, str] = {}
        for recipient in order:
            reply, command = replies.get(recipient) or replies.get("") or ("", None)
            own = summaries.get(recipient) or listed.get(recipient) or ""
            own = "" if own.isdigit() else own  # "(reason: 255)": a mailer's exit status, not a reply
            notes = summaries.get("", "")
            words = reply or (notes if own in notes else own if notes in own else f"{own} {notes}")
            host = hosts.get(recipient) or hosts.get("")
            if reply and (status := codes.find_status(reply)):
                remote_status[recipient] = status
            human[recipient] = evidence(recipient, words, status=remote_status.get(recipient), command=command,
                                        remote_mta=host)
        if not dsn:
            for recipient, alias in aliases.items():
                if alias.lower() not in human and recipient in human:
                    human[alias.lower()] = replace(human[recipient], recipient=alias)
        # The remote server's enhanced code beats Sendmail's own mapping in the Status field.
        return [replace(ev, status=remote_status[key]) if (key := (ev.recipient or "").lower()) in remote_status
                else ev for ev in combine(dsn, human)]

    @staticmethod
    def _listed(text: str, aliases: dict[str, str] | None = None) -> dict[str, str]:
        """Recipients of the "following addresses had ... errors" list, with their (reason: ...).

        ``aliases`` receives, per listed recipient, the address it was "(expanded from: ...)".
        """
        out: dict[str, str] = {}
        m = _LIST.search(text)
        if not m:
            return out
        current = None
        for line in text[m.end():].splitlines():
            if not line.strip():
                if out:
                    break
                continue
            if line.lstrip().startswith("-----"):
                break
            if line[0] in " \t":
                reason = re.match(r"\s*\(reason:\s*(.*)\)\s*$", line)
                if reason and current:
                    out[current] = reason.group(1)
                expanded = _EXPANDED.match(line)
                if expanded and current and aliases is not None:
                    alias = addresses.normalize(expanded.group(1))
                    if alias and alias.lower() != current:
                        aliases[current] = alias
                continue
            current = addresses.normalize(line.strip())
            if current:
                out.setdefault(current.lower(), "")
                current = current.lower()
        return out

    @staticmethod
    def _transcript(text: str, known: set[str] | None = None) -> tuple[dict, dict, dict]:
        """Remote replies per recipient ("" for the whole session), summary lines, remote hosts.

        A reply is filed under the address it names only when that address is one of the ``known``
        recipients (when given): "554 ... contact postmaster@example.org" mentions an address, it
        does not name the recipient it refuses.
        """
        replies: dict[str, tuple[str, str | None]] = {}
        summaries: dict[str, str] = {}
        hosts: dict[str, str] = {}
        m = TRANSCRIPT_HEADING.search(text)
        if not m:
            return replies, summaries, hosts
        host, target, command, quit_sent, continued, last = None, "", None, False, False, None
        stored: str | None = None  # the key the reply line just above was filed under
        batch: list[str] = []  # replies after a pipelined DATA, filed with no command (yet)
        notes: list[str] = []
        for line in text[m.end():].lstrip("\n").splitlines():
            line = line.rstrip()
            if not line or line.startswith("--") or line.startswith("Reporting-MTA:"):
                break  # the transcript is one block
            if (t := _TALKING.match(line)):
                host, target, command, quit_sent, batch = t.group(1).lower(), "", "CONN", False, []
            elif (s := _SENT.match(line)):
                word = s.group(1).upper()
                quit_sent = word == "QUIT"
                command = TRANSCRIPT_COMMANDS.get(word, word)
                arg = (s.group(2) or "") + s.group(3)
                found = addresses.find_addresses(arg) if command == "RCPT" else []
                target, batch = (found[0].lower() if found else ""), []
            elif line.startswith("<<< ") and not quit_sent:
                reply = line[4:].strip()
                if continued:  # the next line of a multi-line reply
                    if stored is not None:
                        replies[stored] = (replies[stored][0] + " " + reply, replies[stored][1])
                    if last:
                        last = (last[0] + " " + reply, last[1])
                    continued = reply[3:4] == "-"
                    continue
                mentioned = addresses.find_addresses(reply)
                named = [a for a in mentioned if known is None or a.lower() in known]
                key = named[0].lower() if named and not target else target
                stored = None
                if command == "DATA" and NO_VALID_RECIPIENTS.match(reply):
                    # the DATA of a pipelined batch refused for want of recipients: the refusals
                    # above it in the batch answered RCPT TO (RFC 5321 section 3.3)
                    for k in batch:
                        replies[k] = (replies[k][0], "RCPT")
                    batch = []
                if key not in replies and (key or not any(replies)):  # "503 need RCPT" after a refusal: noise
                    # a reply naming a recipient after DATA may be a pipelined RCPT reply: command unknown
                    pipelined = command == "DATA" and (key != target or bool(mentioned))
                    replies[key] = (reply, None if pipelined else command)
                    stored = key
                    if pipelined:
                        batch.append(key)
                continued = reply[3:4] == "-"
                last = (reply, command) if not target and not named else None
                if host:
                    hosts.setdefault(key, host)
                continue
            elif (s := _SUMMARY.match(line)):
                addr = addresses.normalize(s.group(2))
                if addr:
                    summaries.setdefault(addr.lower(), unfold(line))
                    if last and addr.lower() not in replies:  # the reply just above was this recipient's
                        replies[addr.lower()] = (last[0], None if last[1] == "DATA" else last[1])
                        if stored == "":  # ... and not a reply to the whole session
                            del replies[""]
                            stored = None
                        if last[1] == "DATA":
                            batch.append(addr.lower())
                        if host:
                            hosts.setdefault(addr.lower(), host)
            elif line.strip() and not line.startswith((">>>", "<<<", "...")) and len(notes) < 6:
                # the local mailer's or Sendmail's own words ("mail.local: unknown user: x",
                # "Message could not be delivered for 5 days")
                notes.append(line.strip())
            last = None
        if notes:
            summaries[""] = unfold(" ".join(notes))
        return replies, summaries, hosts


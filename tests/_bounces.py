"""Building RFC 3464 bounces for the log tests (no fixture files needed)."""

from __future__ import annotations


def dsn(recipient: str, *, date: str = "Wed, 01 May 2024 10:00:00 +0000", status: str = "5.1.1",
        action: str = "failed", diagnostic: str = "550 5.1.1 User unknown", message_id: str = "<m1@sender.example>",
        return_path: str = "bounces@sender.example", to: str = "bounces@sender.example",
        extra: str = "", subject: str = "Hello") -> bytes:
    """A multipart/report DSN about ``recipient`` quoting the sent message's headers."""
    text = f"""Return-Path: <>
Date: {date}
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: {to}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=utf-8

Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--BOUNDARY
Content-Type: text/rfc822-headers

Return-Path: <{return_path}>
From: Sender <news@sender.example>
To: {recipient}
Subject: {subject}
Message-ID: {message_id}
{extra}
--BOUNDARY--
"""
    return text.encode("utf-8")

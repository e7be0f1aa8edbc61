"""Reading the JSON event payloads that sending services post to webhooks (SES, Mailgun, ...).

Such payloads reach bouncekit as the body of a mail (a webhook relayed by mail, an SNS e-mail
subscription) or as a bare file. ``payload_text`` gives the text to decode either way, cheaply;
``load`` decodes it, undoing what mail transport does to very long lines (``!`` + newline +
space) and the form encoding some services use (``mandrill_events=%5B...``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from ..mail import Mail

_BROKEN_LINE = re.compile(r"!\r?\n ")


def payload_text(mail: Mail) -> str:
    """The body as text when it looks like JSON (or form-encoded JSON), else "".

    Worked out once per mail (every webhook decoder asks).
    """
    cached = mail.__dict__.get("_json_payload_text")
    if cached is None:
        cached = mail.__dict__["_json_payload_text"] = _payload_text(mail)
    return cached


def _payload_text(mail: Mail) -> str:
    text = (mail.text_parts[0] if mail.text_parts else "").lstrip()
    if text[:1] in "{[" or text.startswith(("mandrill_events=", "{", "[")):
        return text
    keys = mail.msg.keys()
    if keys and keys[0].lstrip()[:1] in "{[":  # a bare JSON file parsed as headers
        return mail.msg.as_string().lstrip()
    return ""


def load(text: str) -> object:
    """Decode JSON (the first value in ``text``); None when it is not JSON."""
    text = _BROKEN_LINE.sub("", text.strip())
    if text.startswith("mandrill_events="):
        text = (parse_qs(text).get("mandrill_events") or [""])[0]
    try:
        return json.JSONDecoder().raw_decode(text)[0]
    except ValueError:
        return None


def events(data: object) -> list[dict]:
    """A payload as a list of event objects (services post one object or an array of them)."""
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    return []


def smtp_text(value: object) -> str:
    """A diagnostic field as text, without the DSN type prefix ("smtp; 550 ...")."""
    text = str(value or "").strip()
    return re.sub(r"(?i)^smtp\s*;\s*", "", text)

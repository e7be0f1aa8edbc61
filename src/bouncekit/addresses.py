"""Recognising and normalising the recipient addresses that decoders pull out of bounce text.

``email-validator`` does the syntax check and the normalisation (domain case folded, IDN domains
handled, quoted local parts kept); it never looks up DNS here. Two deliberate leniencies, because
real mail has them and a bounce about such an address is still a bounce about it:

- special-use and reserved domains (``.invalid``, ``.local``, ``localhost``) are accepted;
- local parts with dots in odd places (``a..b@``, ``.a@``: common at Japanese mobile carriers)
  are accepted when the rest of the address is sound.

Hostile input: text longer than :data:`MAX_CANDIDATE` characters is no address (and is never
put in the cache, whose keys would otherwise hold megabytes); the common plain ASCII address
(dot-atom local part, letters-digits-hyphen domain) takes a fast path that gives the same
result as email-validator (a test checks that) at a fraction of its cost.
"""

from __future__ import annotations

import re
from functools import lru_cache

import email_validator

# Something that may be an address inside bounce text: we validate each candidate afterwards.
ADDRESS_IN_TEXT = re.compile(
    r"""(?x)
    (?<![\w.+=/-])
    ("[^"\r\n]{1,64}"|[\w!#$%&'*+/=?^`{|}~.-]{1,128})
    @
    ((?:[\w-]{1,63}\.)+[\w-]{2,63}|\[[\d.:a-fA-F]+\])
    """,
)

# Wrappings some MTAs glue to the address: "smtp=a@b" (Exchange), "mailto:a@b", "rfc822;a@b".
_PREFIX = re.compile(r"(?i)^(?:smtp|rfc822|mailto|sip|x400)[=:;]")
_PLAIN_DOMAIN = re.compile(r"^(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}$")
_LOOSE_LOCAL = re.compile(r"^[\w!#$%&'*+/=?^`{|}~.-]{1,128}$")
_QUOTED_LOCAL = re.compile(r'^"[^"\r\n]{1,64}"@')
_WRAPPING = "<>'`()[]{},;:"
# The plain address most bounces carry: dot-atom local part, LDH labels (no "--"), alphabetic TLD.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-)){0,61}(?<!-)"
_SIMPLE = re.compile(rf"(?<![A-Za-z0-9!#$%&'*+/=?^_`{{|}}~.-]){_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
# email-validator's special-use names (RFC 6761 and others); those take the careful path
_SPECIAL = ("arpa", "invalid", "local", "localhost", "onion", "test")

#: Longer text is never an address (RFC 5321: 64 + 1 + 255, with room for wrappings).
MAX_CANDIDATE = 1000


def normalize(raw: str) -> str | None:
    """The normalised address, or None when ``raw`` is not an address.

    Strips the wrappings bounces put around addresses (``<...>``, ``rfc822;``, quotes, trailing
    dots), then checks the syntax.
    """
    if not isinstance(raw, str):
        raise TypeError(f"normalize() takes a str, not {type(raw).__name__}")
    if len(raw) > MAX_CANDIDATE:
        return None
    return _normalize(raw)


def _fast(text: str) -> str | None:
    """The normalised form of a plain ASCII address (or None: take the careful path)."""
    if len(text) > 254 or not _SIMPLE.fullmatch(text):
        return None
    local, _, domain = text.rpartition("@")
    domain = domain.lower()
    if len(local) > 64 or len(domain) > 253 or domain.rsplit(".", 1)[-1] in _SPECIAL or domain.startswith("xn--") \
            or ".xn--" in domain:
        return None
    return f"{local}@{domain}"


# A bounce names each recipient several times (DSN fields, the explanation, the returned
# message's headers), each read by more than one decoder step: the cache serves those repeats.
# It is kept small so that memory stays flat over a batch of millions of distinct addresses.
@lru_cache(maxsize=1024)
def _normalize(raw: str) -> str | None:
    text = raw.strip()
    if ";" in text and text.split(";", 1)[0].strip().lower() in ("rfc822", "utf-8", "x400", "unknown"):
        text = text.split(";", 1)[1].strip()
    m = re.search(r"<([^<>]*@[^<>]*)>", text)
    if m:
        text = m.group(1)
    text = text.strip()
    # a quoted local part ("john doe"@example.com) keeps its quotes, and may hold spaces
    text = text.rstrip(_WRAPPING) if _QUOTED_LOCAL.match(text) else text.strip(_WRAPPING + '"')
    text = _PREFIX.sub("", text.strip())
    if text.count("@") < 1 or len(text) > 320:
        return None
    local, _, domain = text.rpartition("@")
    if any(c.isspace() for c in domain) or (any(c.isspace() for c in local) and not _QUOTED_LOCAL.match(text)):
        return None
    domain = domain.rstrip(".")
    if not local or not domain:
        return None
    fast = _fast(f"{local}@{domain}")
    if fast is not None:
        return fast
    try:
        result = email_validator.validate_email(
            f"{local}@{domain}", check_deliverability=False, globally_deliverable=False,
            allow_quoted_local=True, allow_domain_literal=True, allow_smtputf8=True,
        )
        if domain.isascii() and result.ascii_domain:
            # keep the form the mail wrote (punycode stays punycode), domain case folded
            return f"{result.local_part}@{result.ascii_domain.lower()}"
        return result.normalized
    except email_validator.EmailNotValidError as exc:
        return _lenient(local, domain, str(exc))


def _lenient(local: str, domain: str, reason: str) -> str | None:
    domain = domain.lower()
    if "special-use" in reason or "reserved" in reason or "period" in reason or "dot" in reason:
        if not _PLAIN_DOMAIN.match(domain) or not _LOOSE_LOCAL.match(local):
            return None
        if "period" in reason or "dot" in reason:  # an odd local part: check the domain alone
            try:
                email_validator.validate_email(
                    f"x@{domain}", check_deliverability=False, globally_deliverable=False)
            except email_validator.EmailNotValidError as exc:
                if "special-use" not in str(exc) and "reserved" not in str(exc):
                    return None
        return f"{local}@{domain}"
    return None


def find_addresses(text: str) -> list[str]:
    """Every distinct valid address in ``text``, normalised, in order of first appearance."""
    seen: dict[str, str] = {}
    for m in ADDRESS_IN_TEXT.finditer(text):
        addr = normalize(m.group(0))
        if addr and addr.lower() not in seen:
            seen[addr.lower()] = addr
    return list(seen.values())

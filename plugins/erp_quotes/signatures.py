"""Webhook signatures: ``X-Opportuno-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The HMAC is computed with the shared secret over ``"<t>.<raw body>"``; a signature older (or
further in the future) than ``TOLERANCE`` seconds is refused, so a captured call cannot be
replayed later, and the deliveries table refuses the same signature twice within that time.
"""

import hashlib
import hmac
import time

HEADER = "X-Opportuno-Signature"
TOLERANCE = 300


class SignatureError(Exception):
    """The call is not signed as agreed; ``message`` says why (safe to answer with)."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.message = message
        self.status = status


def compute(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value an ERP (or a test) sends with ``body``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def parse(header: str | None, now: float | None = None) -> tuple[int, list[str]]:
    """(timestamp, candidate signatures) of a well-formed, current header; SignatureError
    otherwise. Needs no body: a call can be refused before its body is read."""
    if not header:
        raise SignatureError(f"Unsigned call: the {HEADER} header is missing.")
    parts = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError(f"Malformed {HEADER} header: t=<unix seconds> is missing.") from None
    candidates = parts.get("v1") or []
    if not candidates:
        raise SignatureError(f"Malformed {HEADER} header: v1=<signature> is missing.")
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE:
        raise SignatureError("The signature has expired (older than 5 minutes) or is post-dated.")
    return timestamp, candidates


def verify(header: str | None, body: bytes, secret: str, now: float | None = None) -> tuple:
    """(timestamp, hex digest) of a valid signature; SignatureError otherwise."""
    timestamp, candidates = parse(header, now)
    expected = compute(secret, timestamp, body)
    for candidate in candidates:
        if hmac.compare_digest(expected, candidate.lower()):
            return timestamp, expected
    raise SignatureError("The signature does not match the body.")

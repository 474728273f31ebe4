"""Mercado Pago's webhook signature (`x-signature: ts=<unix time>,v1=<hex>`).

The signed message is `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`, leaving out any part
whose value is missing; the key is the webhook secret; the digest is HMAC-SHA256, compared in
constant time. `ts` may come in seconds or milliseconds, and must be within the tolerance.
"""

import hashlib
import hmac
import re
import time

MILLISECONDS_THRESHOLD = 10**11  # a Unix time in seconds stays below this until year 5138


def parse_header(value: str) -> dict[str, str]:
    parts = {}
    for item in (value or "").split(","):
        key, _, val = item.strip().partition("=")
        if key and val:
            parts[key.strip()] = val.strip()
    return parts


def manifest(*, data_id: str | None, request_id: str | None, ts: str) -> str:
    text = ""
    if data_id:
        # Mercado Pago lowercases alphanumeric ids before signing.
        text += f"id:{data_id.lower() if not data_id.isdigit() else data_id};"
    if request_id:
        text += f"request-id:{request_id};"
    return text + f"ts:{ts};"


def is_valid(
    *,
    header: str,
    request_id: str | None,
    data_id: str | None,
    secret: str,
    tolerance: int,
    now: float | None = None,
) -> bool:
    if not secret:
        return False
    parts = parse_header(header)
    ts, received = parts.get("ts", ""), parts.get("v1", "")
    if not re.fullmatch(r"[0-9]{1,13}", ts) or not re.fullmatch(r"[0-9a-fA-F]{64}", received):
        return False
    seconds = int(ts) / 1000 if int(ts) >= MILLISECONDS_THRESHOLD else int(ts)
    if abs((now if now is not None else time.time()) - seconds) > tolerance:
        return False
    message = manifest(data_id=data_id, request_id=request_id, ts=ts)
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.lower())

"""Conversation id normalisation: app servers send 32-hex, agent servers dashed UUIDs."""

from __future__ import annotations

import re
from urllib.parse import quote

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def normalize_id(raw: str) -> str:
    """Return the canonical 32-hex lowercase form of a UUID-like id; other ids unchanged."""
    text = raw.strip().lower()
    compact = text.replace("-", "")
    if _HEX32.match(compact) and (len(text) == 32 or len(text) == 36):
        return compact
    return raw.strip()


def is_uuid(raw: str) -> bool:
    """True when `raw` is a UUID in hex or dashed form."""
    return bool(_HEX32.match(normalize_id(raw)))


def dashed(raw: str) -> str:
    """Return the dashed UUID form (agent-server style) of a UUID-like id."""
    h = normalize_id(raw)
    if not _HEX32.match(h):
        return raw
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def segment(raw: str) -> str:
    """An id as one percent-encoded URL path segment: `/`, `..`, `?` and `#` from a server
    cannot reach another path (another sandbox's, on a path-mode host) or the query."""
    text = quote(raw, safe="")
    return text.replace(".", "%2E") if text.strip(".") == "" else text

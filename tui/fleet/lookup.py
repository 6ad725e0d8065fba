"""Finding one conversation from what a person typed: a full id (hex or dashed), a unique
prefix of at least `MIN_PREFIX` characters, and `SERVER/ID` to pick one server's when the same
id is watched on several."""

from __future__ import annotations

from tui.protocol.ids import normalize_id
from tui.store.stores import Stores
from tui.store.view import Key
from tui.text.sanitize import clean

MIN_PREFIX = 8
SHOWN = 5  # candidates named in an "ambiguous" message


def lookup(stores: Stores, wanted: str) -> tuple[Key | None, str]:
    """The one conversation `wanted` names, or None and why, in words for people."""
    keys = find(stores, wanted)
    if len(keys) == 1:
        return keys[0], ""
    said = clean(wanted, 80)
    if keys:
        names = ", ".join(f"{k[0]}/{k[1]}" for k in keys[:SHOWN])
        more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
        return None, (
            f"conversation {said}: ambiguous: {len(keys)} conversations match ({names}{more});"
            " name one as SERVER/ID or give more of the id"
        )
    _server, needle = _split(stores, wanted)
    if len(needle.replace("-", "")) < MIN_PREFIX and len(needle) < 32:
        return None, (
            f"conversation {said}: not found (a prefix needs at least {MIN_PREFIX} characters "
            "of the id)"
        )
    return None, f"conversation {said}: not found"


def find(stores: Stores, wanted: str) -> list[Key]:
    """Keys whose id is `wanted` (hex or dashed) or starts with it (`MIN_PREFIX` characters or
    more); `SERVER/ID` keeps to that server's."""
    server, needle = _split(stores, wanted)
    keys = [k for k in stores.status.all_keys() if server is None or k[0] == server]
    exact = [k for k in keys if k[1] == needle]
    prefix = needle.replace("-", "") if _hexish(needle) else needle
    if exact or len(prefix) < MIN_PREFIX:
        return exact
    return [k for k in keys if k[1].startswith(prefix)]


def _split(stores: Stores, wanted: str) -> tuple[str | None, str]:
    """(server, id) of `SERVER/ID` when SERVER is a watched server's name, else (None, id)."""
    text = wanted.strip()
    if "/" in text:
        server, _, rest = text.rpartition("/")
        if server in stores.status.servers():
            return server, normalize_id(rest)
    return None, normalize_id(text)


def _hexish(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF-" for c in text)

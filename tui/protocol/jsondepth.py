"""JSON nested deeper than any real payload, cut where it goes too deep, so one deeply nested
field costs its own value and not the whole page (pydantic-core refuses a document nested
more than 255 levels; Python's reader can exhaust the stack)."""

from __future__ import annotations

MAX_DEPTH = 64  # OpenHands payloads nest a dozen levels at most
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


def clip_depth(raw: bytes, limit: int = MAX_DEPTH) -> bytes:
    """`raw` with every array or object that opens deeper than `limit` replaced by `null`.
    Linear in the size of `raw`; strings (and brackets inside them) are copied as they are."""
    out = bytearray()
    depth = 0
    skipping = 0  # depth of the container being dropped (0: not dropping)
    in_string = False
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if in_string:
            if c == _BACKSLASH:
                if not skipping:
                    out += raw[i : i + 2]
                i += 2
                continue
            if c == _QUOTE:
                in_string = False
        elif c == _QUOTE:
            in_string = True
        elif c in _OPEN:
            depth += 1
            if depth > limit and not skipping:
                skipping = depth
                out += b"null"
        elif c in _CLOSE:
            if skipping and depth == skipping:
                skipping = 0
                depth -= 1
                i += 1
                continue
            depth -= 1
        if not skipping:
            out.append(c)
        i += 1
    return bytes(out)

"""Shared building blocks for tolerant wire models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from tui.protocol.ids import normalize_id


class PayloadError(ValueError):
    """A payload that cannot be read as the expected shape."""


class WireModel(BaseModel):
    """Base for server payloads: unknown fields are dropped, everything has a default."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _lenient_datetime(value: Any) -> datetime | None:
    """Parse an ISO datetime; anything unreadable becomes None rather than an error."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _lenient_str(value: Any) -> str | None:
    """Open enums and free text: keep any scalar as text, drop structures."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return None


def _lenient_id(value: Any) -> str:
    """Conversation ids arrive as 32-hex or dashed UUIDs; store one canonical form."""
    text = _lenient_str(value)
    return normalize_id(text) if text else ""


def _lenient_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _lenient_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


M = TypeVar("M", bound=WireModel)

LenientDatetime = Annotated[datetime | None, BeforeValidator(_lenient_datetime)]
OpenStr = Annotated[str | None, BeforeValidator(_lenient_str)]
ConversationId = Annotated[str, BeforeValidator(_lenient_id)]
AnyDict = Annotated[dict[str, Any], BeforeValidator(_lenient_dict)]
AnyList = Annotated[list[Any], BeforeValidator(_lenient_list)]


def validate_items(raw: Any, model: type[M]) -> tuple[list[M | None], int]:
    """Validate a list item by item: a bad item is counted and dropped, never fatal.

    `null` entries (deleted conversations in `?ids=` batches) are kept as None.
    """
    if not isinstance(raw, list):
        raise PayloadError(f"expected a JSON list, got {type(raw).__name__}")
    out: list[M | None] = []
    rejected = 0
    for item in raw:
        if item is None:
            out.append(None)
            continue
        try:
            out.append(model.model_validate(item))
        except ValidationError:
            rejected += 1
    return out, rejected

"""Shared building blocks for tolerant wire models."""

from __future__ import annotations

import dataclasses
import math
import time
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast, dataclass_transform

import pydantic.dataclasses
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

from tui.protocol.ids import normalize_id


class PayloadError(ValueError):
    """A payload that cannot be read as the expected shape."""


class WireModel(BaseModel):
    """Base for server payloads: unknown fields are dropped, everything has a default."""

    model_config = ConfigDict(extra="ignore", frozen=True)


T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, Field))
def record(cls: type[T]) -> type[T]:
    """A wire model kept in bulk (events and their parts): a slotted, frozen pydantic dataclass.

    Validated like a `WireModel` (unknown fields dropped) but about a fifth of the memory per
    instance: no `__dict__`, no per-instance set of the fields that were set.
    """
    made = pydantic.dataclasses.dataclass(frozen=True, slots=True, config=_RECORD)(cls)
    return cast(type[T], made)


_RECORD = ConfigDict(extra="ignore")


@record
class Ignored:
    """Any JSON object, validated to nothing: list items of which only the count is read."""


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def validate(model: type[T], data: Any) -> T:
    """Validate Python data into a `record` class (raises pydantic's ValidationError)."""
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return cast(T, adapter.validate_python(data))


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # nothing OpenHands sends is older
FUTURE_SLACK = 2 * 86400.0  # clocks disagree; two days ahead is not plausible


def plausible_time(value: datetime) -> datetime | None:
    """`value` as an aware UTC datetime, or None when it cannot be a real server time.

    App-server datetimes are UTC; a naive one (V0's `last_updated_at` may be) is read as UTC.
    Year 1, year 9999 and anything far in the future are dropped, not kept to poison sorting,
    ages and ordering.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        stamp = aware.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
    if stamp < EARLIEST.timestamp() or stamp > time.time() + FUTURE_SLACK:
        return None
    return aware.astimezone(UTC)


def _lenient_datetime(value: Any) -> datetime | None:
    """Parse an ISO datetime; anything unreadable or implausible becomes None, not an error."""
    if isinstance(value, datetime):
        return plausible_time(value)
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return plausible_time(parsed)


def finite(value: Any) -> float | None:
    """A JSON number as a finite float; booleans, NaN, infinities and the rest are None."""
    if type(value) is float:  # the common case first: this runs for every number of every frame
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too big for a float
        return None
    return number if math.isfinite(number) else None


def _lenient_str(value: Any) -> str | None:
    """Open enums and free text: keep any scalar as text, drop structures."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        number = finite(value)
        return None if number is None else str(value)
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

"""What can go wrong talking to a server, classified for the stores and the user."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """Classes of failure; each has its own recovery policy."""

    AUTH = "auth"  # 401/403: fatal for this credential
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER = "server"  # 5xx
    CLIENT = "client"  # other 4xx (400, 422)
    NETWORK = "network"  # refused, DNS, timeout, reset
    TLS = "tls"
    NOT_API = "not_api"  # 200 but not JSON (e.g. the web UI's index.html)
    BAD_PAYLOAD = "bad_payload"  # JSON we cannot read


class ApiError(Exception):
    """A failed request, with a one-line message fit to show a person."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after

    @property
    def fatal(self) -> bool:
        """True when retrying with the same configuration cannot help."""
        return self.kind in (ErrorKind.AUTH, ErrorKind.NOT_API)

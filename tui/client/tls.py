"""TLS contexts, built once per process and shared by every client.

Building one loads the whole CA bundle (about 20-40 ms of CPU); httpx builds a fresh one for
each client it makes, so probing 200 agent servers spent seconds on it before a single
request went out. A context is safe to share between connections.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def context(verify: bool = True) -> ssl.SSLContext:
    """The verifying context (certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR as httpx reads
    them), or with `verify=False` one that checks nothing (`--insecure`)."""
    return httpx.create_ssl_context(verify=verify)

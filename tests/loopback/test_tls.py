"""TLS against a real loopback HTTPS server with a self-signed certificate: `--insecure` reaches
it, verification refuses it, and the CA bundle is loaded once however many servers are probed."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.helpers import serve
from tui.client import tls
from tui.client.config import ServerConfig
from tui.client.detect import agent_version
from tui.client.errors import ApiError, ErrorKind
from tui.client.rest import RestClient

PROBES = 20


@pytest.fixture
def server_tls(tmp_path: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: it makes the self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    request = "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    alt_name = ("-addext", "subjectAltName=IP:127.0.0.1")
    subprocess.run(
        ["openssl", *request.split(), "-keyout", str(key), "-out", str(cert), *alt_name],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture
def bundle_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every CA bundle load from here on (the shared contexts are forgotten first)."""
    loads: list[Any] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(self: ssl.SSLContext, *args: Any, **kw: Any) -> None:
        loads.append(args or kw)
        load(self, *args, **kw)

    tls.context.cache_clear()
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    yield loads
    tls.context.cache_clear()


def _agent_server() -> web.Application:
    async def info(_request: web.Request) -> web.Response:
        return web.json_response({"version": "1.58.2"})

    app = web.Application()
    app.router.add_get("/server_info", info)
    return app


async def test_many_probes_share_one_verified_context(
    server_tls: ssl.SSLContext, bundle_loads: list[Any]
) -> None:
    async with serve(_agent_server(), server_tls) as url:
        for _ in range(PROBES):
            assert await agent_version(url, verify_tls=False) == "1.58.2"
            assert await agent_version(url) is None  # self-signed: not trusted
    assert len(bundle_loads) == 1


async def test_verification_refuses_a_self_signed_server_with_a_tls_error(
    server_tls: ssl.SSLContext,
) -> None:
    async with serve(_agent_server(), server_tls) as url:
        rest = RestClient(ServerConfig(url))
        try:
            with pytest.raises(ApiError) as caught:
                await rest.get_json("server_info", conditional=False)
        finally:
            await rest.aclose()
    assert caught.value.kind is ErrorKind.TLS

"""A scripted, OpenAI-compatible chat-completions server, so a real agent server runs offline.

The scenario comes from a marker in the conversation's first user message, e.g.
`<<ohtop scenario=finish delay=2>>`. The step is the number of assistant turns already in the
request. Requests without tools are title requests and get a short title.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MARKER = re.compile(r"<<ohtop ([^>]*)>>")
TITLES = ("Look around", "Say hello", "Wrap up")


def marker(scenario: str, **options: object) -> str:
    """The text that selects a scenario (put it in the first user message)."""
    extra = " ".join(f"{k}={v}" for k, v in options.items())
    return f"<<ohtop scenario={scenario} {extra}>>".replace(" >>", ">>")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _options(messages: list[dict[str, Any]]) -> dict[str, str]:
    for m in messages:
        if m.get("role") == "user" and (found := MARKER.search(_text(m.get("content")))):
            return dict(pair.split("=", 1) for pair in found.group(1).split() if "=" in pair)
    return {}


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {
        "id": f"call_{uuid.uuid4().hex[:20]}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def _plan(*statuses: str) -> dict[str, Any]:
    tasks = [
        {"title": t, "notes": f"step {i + 1}", "status": s}
        for i, (t, s) in enumerate(zip(TITLES, statuses, strict=True))
    ]
    return _call("task_tracker", command="plan", task_list=tasks)


def reply(
    scenario: str, step: int, options: dict[str, str]
) -> tuple[int, str, list[dict[str, Any]]]:
    """(HTTP status, text, tool calls) for this scenario and step."""
    if scenario == "error" and step >= 1:
        return 500, "", []
    if scenario == "stuck":
        return 200, "Again.", [_call("terminal", command="echo same")]
    if scenario == "long":
        ticks = int(options.get("ticks", "100"))
        if step == 0:
            return 200, "Planning.", [_plan("in_progress", "todo", "todo")]
        if step <= ticks:
            return 200, f"Tick {step}.", [_call("terminal", command=f"echo tick {step}")]
        return 200, "Done.", [_call("finish", message="ticked")]
    script = [
        (200, "Planning.", [_plan("in_progress", "todo", "todo")]),
        (200, "Working.", [_call("terminal", command="echo hello")]),
        (200, "Updating.", [_plan("done", "done", "done")]),
        (200, "Finished.", [_call("finish", message="said hello")]),
    ]
    return script[min(step, len(script) - 1)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: Any) -> None:  # keep test output clean
        return

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        messages = request.get("messages") or []
        options = _options(messages)
        if not request.get("tools"):
            status, text = 200, "Scripted conversation"
            calls: list[dict[str, Any]] = []
        else:
            step = sum(1 for m in messages if m.get("role") == "assistant")
            time.sleep(float(options.get("delay", "0")))
            status, text, calls = reply(options.get("scenario", "finish"), step, options)
        self.server.calls += 1  # type: ignore[attr-defined]
        if status != 200:
            self._json(status, {"error": {"message": "scripted failure", "type": "server_error"}})
            return
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            message["tool_calls"] = calls
        usage = {
            "prompt_tokens": 100 + 10 * len(messages),
            "completion_tokens": 20,
            "total_tokens": 120 + 10 * len(messages),
        }
        body = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "fake"),
            "choices": [
                {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
            ],
            "usage": usage,
        }
        if request.get("stream"):
            self._stream(body, message, calls)
        else:
            self._json(200, body)

    def _stream(
        self, body: dict[str, Any], message: dict[str, Any], calls: list[dict[str, Any]]
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        base = {k: body[k] for k in ("id", "created", "model")} | {
            "object": "chat.completion.chunk"
        }
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": message["content"]}]
        deltas += [{"tool_calls": [{"index": i, **c}]} for i, c in enumerate(calls)]
        for delta in deltas:
            chunk = base | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        last = base | {
            "choices": [
                {"index": 0, "delta": {}, "finish_reason": body["choices"][0]["finish_reason"]}
            ],
            "usage": body["usage"],
        }
        self.wfile.write(b"data: " + json.dumps(last).encode() + b"\n\ndata: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


class FakeLLM:
    """Serves in a daemon thread on 127.0.0.1 (a free port)."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.calls = 0  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The OpenAI-style base URL (ends in /v1)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def calls(self) -> int:
        """Completions answered so far."""
        return int(self._server.calls)  # type: ignore[attr-defined]

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

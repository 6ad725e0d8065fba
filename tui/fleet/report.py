"""Triage reports to hand over (what `ohtop report` prints and the detail screen's `R` writes):
what happened, when, why, what the user should do.

Untrusted text (titles, errors, event text) is inert: control characters replaced, long text
cut, and in Markdown every character that could make markup escaped; keys never appear.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.client.secrets import redact
from tui.fleet.fleet import Fleet
from tui.protocol.status import ServerKind
from tui.store.timeline import Entry, merge
from tui.store.view import Key
from tui.text.events import describe
from tui.text.format import money, status_word
from tui.text.sanitize import clean, safe_json

EVENTS = 50
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a report says, as plain data."""

    data: dict[str, Any]

    def json(self) -> str:
        """As JSON (keys redacted)."""
        return safe_json(self.data, indent=2) + "\n"

    def markdown(self) -> str:
        """As Markdown for a ticket (keys redacted, server text inert)."""
        return redact(_markdown(self.data))


def _when(at: float | None) -> str | None:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds") if at else None


async def gather(fleet: Fleet, key: Key) -> Report:
    """Read what a report needs: the conversation's details, its server history, its newest
    events; then put it together with what ohtop knows."""
    await fleet.details_of(key)
    history = await fleet.server_history(key)
    events = await fleet.recent_events(key, EVENTS)
    view = fleet.stores.status.get(key)
    if view is None:
        raise LookupError(f"conversation {key[1]} is not known")
    timeline = merge(history, fleet.stores.status.timeline(key))
    err = view.last_error
    server = next((c for c in fleet.servers if c.label == key[0]), None)
    data: dict[str, Any] = {
        "conversation": {
            "id": view.id,
            "title": clean(view.title, 300),
            "repository": clean(view.repository or "", 200) or None,
            "branch": clean(view.branch or "", 100) or None,
            "created_at": view.created_at.isoformat() if view.created_at else None,
            "updated_at": view.updated_at.isoformat() if view.updated_at else None,
        },
        "server": {
            "name": key[0],
            "kind": ServerKind(view.kind).label,
            "url": server.url if server else None,
        },
        "status": {
            "shown": status_word(view),
            "status": view.status,
            "execution_status": view.execution_status,
            "sandbox_status": view.sandbox_status,
            "runtime_status": view.runtime_status,
            "since": _when(view.status_since),
            "since_exact": view.since_exact,
        },
        "timeline": {
            "from_server_history": history is not None,
            "entries": [
                {"at": _when(e.at), "source": e.source, "kind": e.kind, "text": clean(e.text, 400)}
                for e in timeline
            ],
        },
        "last_error": (
            {
                "code": clean(err.code, 200),
                "detail": clean(err.detail, 1000),
                "kind": err.kind,
                "retryable": err.retryable,
                "user_action": err.user_action,
                "timestamp": err.timestamp or None,
            }
            if err
            else None
        ),
        "tasks": [
            {
                "title": clean(t.title, 200),
                "status": clean(t.status, 20),
                "notes": clean(t.notes, 300),
            }
            for t in view.tasks or ()
        ],
        "events": [
            {"at": clean(e.timestamp, 40), "text": clean(describe(e)[1], 300)} for e in events
        ],
        "cost_usd": view.cost,
        "tokens": view.tokens,
        "links": {"web": view.web_url, "api": view.api_url},
        "generated_at": _when(time.time()),
    }
    return Report(data)


def _md(value: object, limit: int = 500) -> str:
    """Server text as inert Markdown: one line, cut, every markup character escaped."""
    return _MARKUP.sub(r"\\\1", clean(value, limit))


def _code(value: object, limit: int = 500) -> str:
    """Ids, URLs, codes: a code span, which Markdown shows literally (backticks replaced)."""
    return "`" + clean(value, limit).replace("`", "'") + "`"


def _markdown(d: dict[str, Any]) -> str:
    c, s, st = d["conversation"], d["server"], d["status"]
    web = d["links"]["web"]
    lines = [
        f"# ohtop report: {_md(c['title'] or '(untitled)', 200)}",
        "",
        f"- **Conversation**: {_code(c['id'], 64)}",
        f"- **Server**: {_md(s['name'], 80)} ({_md(s['kind'], 40)})",
        f"- **Repository**: {_repository(c['repository'], c['branch'])}",
        f"- **Status**: {_md(st['shown'], 20)} (execution {_md(st['execution_status'] or '-', 40)}"
        f", sandbox {_md(st['sandbox_status'] or '-', 20)}"
        f", runtime {_md(st['runtime_status'] or '-', 60)})",
        f"- **In this state since**: {st['since'] or '-'}"
        + ("" if st["since_exact"] else " (at least; the server's last update)"),
        f"- **Cost**: {money(d['cost_usd'])}, "
        + (f"{d['tokens']} tokens" if d["tokens"] is not None else "tokens unknown"),
        f"- **Open**: {_code(web, 300) if web else '(an agent server has no web UI)'}",
        f"- **API**: {_code(d['links']['api'] or '-', 300)}",
        "",
        "## Last error",
        "",
    ]
    err = d["last_error"]
    if err is None:
        lines.append("None recorded.")
    else:
        advice = (err["kind"], _retry(err["retryable"]), _action(err["user_action"]))
        hints = [h for h in advice if h]
        lines += [
            f"{_code(err['code'] or '(no code)', 200)}: {_md(err['detail'], 1000)}",
            "",
            f"Classification: {_md(', '.join(hints) or 'none given', 200)}",
        ]
    lines += ["", "## Timeline", ""]
    timeline = d["timeline"]
    if not timeline["from_server_history"]:
        lines += ["_The server offers no event history: only what ohtop saw._", ""]
    for e in timeline["entries"]:
        lines.append(f"- {e['at']} ({e['source']}): {_md(e['text'], 400)}")
    lines += ["", "## Tasks", ""]
    if not d["tasks"]:
        lines.append("No task list.")
    for t in d["tasks"]:
        done = "x" if t["status"] == "done" else " "
        lines.append(f"- [{done}] {_md(t['title'], 200)} ({_md(t['status'], 20)})")
    lines += ["", f"## Last {len(d['events'])} events", "", "```text"]
    lines += [f"{e['at'][:19]}  {e['text']}".replace("```", "'''") for e in d["events"]]
    lines += ["```", "", f"_Generated by ohtop at {d['generated_at']}._", ""]
    return "\n".join(lines)


def _repository(repository: str | None, branch: str | None) -> str:
    """`acme/api` on `main`, or words when there is none (never an empty code span)."""
    if not repository:
        return "none (the conversation names no repository)"
    return _code(repository, 200) + (f" on {_code(branch, 100)}" if branch else "")


def _retry(retryable: bool | None) -> str | None:
    if retryable is None:
        return None
    return "retryable: trying again may work" if retryable else "not retryable"


def _action(user_action: str | None) -> str | None:
    advice = {
        "retry": "the user should retry",
        "settings": "the user should fix their settings (key, model, quota)",
        "none": None,
    }
    if user_action is None:
        return None
    return advice.get(user_action, f"user action: {user_action}")


def report_path(folder: Path, conversation_id: str, stamp: str) -> Path:
    """Where a report of this conversation goes in `folder`: its name made of the id's safe
    characters only (an id is server data: `/../../..` must not climb out), and checked to
    lie inside the folder."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", conversation_id)[:32] or "conversation"
    path = folder / f"ohtop-{safe}-{stamp}.md"
    if path.resolve().parent != folder.resolve():
        raise LookupError(f"no safe file name for the id {clean(conversation_id, 60)!r}")
    return path


def entries_text(entries: list[Entry]) -> list[str]:
    """Timeline entries as lines (the detail screen's)."""
    return [f"{time.strftime('%H:%M:%S', time.localtime(e.at))}  {e.text}" for e in entries]

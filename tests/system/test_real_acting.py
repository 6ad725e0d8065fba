"""Acting on the real agent server, as an operator would: the waiting conversation's pending
action is on screen and in its alert; `ohtop act` plans (a dry run with a token), approves (the
action's observation appears), rejects (the rejection is recorded), nudges a paused or idle
conversation (it runs), refuses a stale plan before sending anything, and every request is in
the audit log that `ohtop history --actions --json` prints."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import screen_text, wait_for
from tests.system.realserver.fake_llm import FakeLLM, marker
from tests.system.realserver.harness import AgentServer
from tests.system.realserver.watch import FAST, KEY, LABEL, key_of, watching
from tui.client.config import ServerConfig
from tui.headless.act import act_command
from tui.headless.history import history_command
from tui.settings import Settings
from tui.settings.arguments import build_parser
from tui.ui.widgets.conversation_table import ConversationTable

pytestmark = [pytest.mark.realserver, pytest.mark.slow]
Real = tuple[AgentServer, FakeLLM]


def settings_for(server: AgentServer, history: Path) -> Settings:
    config = ServerConfig(server.url, name=LABEL, session_api_key=KEY)
    return Settings(servers=(config,), history=history)


def events(server: AgentServer, cid: str) -> list[dict[str, object]]:
    """The conversation's events, as the server has them (oldest first)."""
    answer = httpx.get(
        f"{server.url}/api/conversations/{cid}/events/search",
        params={"limit": 100},
        headers={"X-Session-API-Key": KEY},
        timeout=30,
    )
    answer.raise_for_status()
    return list(answer.json()["items"])


def actions_of(server: AgentServer, cid: str, tool: str) -> list[dict[str, object]]:
    return [e for e in events(server, cid) if e.get("tool_name") == tool and "action" in e]


async def act(
    settings: Settings,
    action: str,
    cid: str,
    *,
    text: str = "",
    yes: bool = False,
    if_plan: str | None = None,
) -> tuple[int, str, str]:
    """`ohtop act ACTION CID` (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = await act_command(
        settings,
        action,
        [cid],
        text=text,
        yes=yes,
        if_plan=if_plan,
        argv=["act", action, cid],
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def audit(history: Path) -> list[dict[str, Any]]:
    """The audit log as `ohtop history --actions --json` prints it."""
    config = history.with_suffix(".toml")
    config.write_text(f'[history]\npath = "{history}"\n')
    config.chmod(0o600)
    argv = ["history", "--actions", "--json", "--since", "1h", "--config", str(config)]
    out = io.StringIO()
    assert history_command(build_parser().parse_args(argv), out) == 0
    return list(json.loads(out.getvalue()))


async def waiting(server: AgentServer, llm: FakeLLM, text: str) -> str:
    """A conversation under AlwaysConfirm, waiting for its first action to be confirmed."""
    cid = server.create(llm.url, f"{text} {marker('finish')}", confirm=True)
    await wait_for(lambda: server.status(cid) == "waiting_for_confirmation", timeout=90)
    return cid


async def test_the_pending_action_is_shown_and_alerted(real: Real) -> None:
    server, llm = real
    async with watching(server) as watch:
        thresholds = watch.fleet.alerts.thresholds
        watch.fleet.alerts.thresholds = replace(thresholds, kinds=thresholds.kinds | {"waiting"})
        cid = await waiting(server, llm, "Show what you ask")
        key = key_of(cid)

        def asks() -> bool:
            view = watch.stores.status.get(key)
            return view is not None and bool(view.waiting_on)

        await wait_for(asks, timeout=60)
        view = watch.stores.status.get(key)
        assert view is not None
        (pending,) = view.waiting_on
        assert pending.tool == "task_tracker" and pending.what == "plan"
        wanted = actions_of(server, cid, "task_tracker")
        assert pending.id == wanted[-1]["id"]  # the very action the server holds
        await wait_for(lambda: any(a.what == "waiting" for a in watch.fleet.alerts.alerts), 30)
        alert = next(a for a in watch.fleet.alerts.alerts if a.what == "waiting")
        assert "wants to use task_tracker: `plan`" in alert.detail


async def test_approve_runs_the_action_that_was_shown(real: Real, tmp_path: Path) -> None:
    server, llm = real
    history = tmp_path / "history.db"
    settings = settings_for(server, history)
    cid = await waiting(server, llm, "Approve me")
    shown = actions_of(server, cid, "task_tracker")[-1]["id"]

    code, out, _ = await act(settings, "approve", cid)
    assert code == 3  # a dry run: nothing sent
    token = next(line.split()[1] for line in out.splitlines() if line.startswith("plan: "))
    assert "wants to use task_tracker: `plan`" in out
    assert "POST " + server.url + f"/api/conversations/{cid}/events/respond_to_confirmation" in out
    assert '{"accept": true}' in out and KEY not in out
    assert out.strip().endswith(f"--yes --if-plan {token}")
    assert not [e for e in events(server, cid) if e.get("action_id") == shown]

    code, out, err = await act(settings, "approve", cid, if_plan=token, yes=True)
    assert code == 0, out + err
    assert "done: 1 of 1 ran" in out
    observed = [e for e in events(server, cid) if e.get("action_id") == shown]
    assert observed and observed[0]["kind"] == "ObservationEvent"

    records = audit(history)
    assert [r["result"] for r in records][:1] == ["sent"]
    assert records[-1]["result"].startswith("done")
    first = records[0]
    assert first["server"] == LABEL and first["action"] == "approve"
    assert first["conversation"] == cid.replace("-", "")
    assert first["request"] == {  # exactly what was sent, keys never
        "method": "POST",
        "base": None,
        "path": f"api/conversations/{cid}/events/respond_to_confirmation",
        "body": {"accept": True},
        "url": f"{server.url}/api/conversations/{cid}/events/respond_to_confirmation",
    }
    seen = first["state_seen"]
    assert isinstance(seen, dict) and seen["pending"] == [shown]
    assert seen["execution"] == "waiting_for_confirmation"


async def test_reject_records_the_rejection_with_its_reason(real: Real, tmp_path: Path) -> None:
    server, llm = real
    settings = settings_for(server, tmp_path / "history.db")
    cid = await waiting(server, llm, "Reject me")
    shown = actions_of(server, cid, "task_tracker")[-1]["id"]
    code, out, err = await act(settings, "reject", cid, text="not today", yes=True)
    assert code == 0, out + err
    assert "done: 1 of 1 rejected" in out
    rejected = [e for e in events(server, cid) if e.get("action_id") == shown]
    assert rejected and rejected[0]["kind"] == "UserRejectObservation"
    assert rejected[0]["rejection_reason"] == "not today"


async def test_a_stale_plan_is_refused_before_anything_is_sent(real: Real, tmp_path: Path) -> None:
    """The operator planned on one pending action; someone else approved it and the agent now
    asks for another: the plan's token no longer matches and nothing is sent."""
    server, llm = real
    history = tmp_path / "history.db"
    settings = settings_for(server, history)
    cid = await waiting(server, llm, "Change under me")
    code, out, _ = await act(settings, "approve", cid)
    token = next(line.split()[1] for line in out.splitlines() if line.startswith("plan: "))
    answer = httpx.post(
        f"{server.url}/api/conversations/{cid}/events/respond_to_confirmation",
        json={"accept": True},
        headers={"X-Session-API-Key": KEY},
        timeout=30,
    )
    answer.raise_for_status()
    await wait_for(lambda: bool(actions_of(server, cid, "terminal")), timeout=60)
    await wait_for(lambda: server.status(cid) == "waiting_for_confirmation", timeout=60)
    before = len(events(server, cid))

    code, out, err = await act(settings, "approve", cid, if_plan=token, yes=True)
    assert code == 1
    assert f"not the one plan {token} saw" in err and "nothing was sent" in err
    assert "wants to run `echo hello`" in out  # what it asks now is shown
    assert len(events(server, cid)) == before
    assert server.status(cid) == "waiting_for_confirmation"
    assert not history.exists() or audit(history) == []


async def test_approve_with_nothing_pending_is_refused(real: Real, tmp_path: Path) -> None:
    server, llm = real
    settings = settings_for(server, tmp_path / "history.db")
    cid = server.create(llm.url, None)
    await wait_for(lambda: server.status(cid) == "idle", timeout=30)
    code, out, err = await act(settings, "approve", cid, yes=True)
    assert code == 1
    assert "refused: nothing waits for confirmation" in out
    assert "nothing was sent" in err


async def test_a_nudge_makes_an_idle_and_a_paused_conversation_run(
    real: Real, tmp_path: Path
) -> None:
    server, llm = real
    settings = settings_for(server, tmp_path / "history.db")
    idle = server.create(llm.url, None)
    await wait_for(lambda: server.status(idle) == "idle", timeout=30)
    code, out, err = await act(settings, "message", idle, text=f"Go {marker('finish')}", yes=True)
    assert code == 0, out + err
    assert "the server holds the message" in out
    await wait_for(lambda: server.status(idle) == "finished", timeout=90)

    paused = server.create(
        llm.url, f"Tick {marker('long', delay=1, ticks=200)}", max_iterations=300
    )
    await wait_for(lambda: server.status(paused) == "running", timeout=60)
    server.pause(paused)
    await wait_for(lambda: server.status(paused) == "paused", timeout=60)
    ticks = len(actions_of(server, paused, "terminal"))
    code, out, err = await act(settings, "message", paused, yes=True)  # "continue"
    assert code == 0, out + err
    await wait_for(lambda: server.status(paused) == "running", timeout=60)
    await wait_for(lambda: len(actions_of(server, paused, "terminal")) > ticks + 1, timeout=60)
    code, out, err = await act(settings, "pause", paused, yes=True)
    assert code == 0, out + err
    await wait_for(lambda: server.status(paused) == "paused", timeout=60)


async def test_from_the_queue_and_the_detail_in_the_dashboard(real: Real, tmp_path: Path) -> None:
    """As an operator: the queue shows what the waiting conversation asks, unseen; `y` there
    confirms with the exact request and approves it (its observation appears on the server);
    then in the detail of the same conversation, now asking to run `echo hello`, `n` asks for
    a reason and rejects it (the server records the rejection with that reason)."""
    from tui.ui.app import OhtopApp
    from tui.ui.screens.confirm import ConfirmScreen, ResultsScreen
    from tui.ui.screens.prompt import PromptScreen
    from tui.ui.screens.queue import QueueScreen

    server, llm = real
    cid = await waiting(server, llm, "Act from the dashboard")
    shown = actions_of(server, cid, "task_tracker")[-1]["id"]
    config = ServerConfig(server.url, name=LABEL, session_api_key=KEY)
    history = tmp_path / "history.db"
    settings = Settings(
        servers=(config,), intervals=FAST, allow_actions=True, history=history, max_streams=10
    )
    app = OhtopApp(settings)
    key = key_of(cid)

    def asks(what: str) -> bool:
        view = app.stores.status.get(key)
        return view is not None and any(what in p.words() for p in view.waiting_on)

    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(lambda: asks("task_tracker"), timeout=60)
        await pilot.press("A")
        await wait_for(lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        (need,) = [n for n in queue.needs if n.key == key]
        assert not need.seen and "wants to use task_tracker: `plan`" in need.reason
        assert "unseen" in "\n".join(screen_text(app))
        options = queue.query_one("OptionList")
        options.highlighted = queue.needs.index(need)  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), timeout=30)
        detail = str(app.screen.detail)  # type: ignore[attr-defined]
        url = f"{server.url}/api/conversations/{cid}/events/respond_to_confirmation"
        assert f'POST {url} {{"accept": true}}  (with your key for this server)' in detail
        assert KEY not in detail
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, ResultsScreen), timeout=90)
        assert app.screen.heading == "Approve: 1 done, 0 failed"  # type: ignore[attr-defined]
        assert [e["kind"] for e in events(server, cid) if e.get("action_id") == shown] == [
            "ObservationEvent"
        ]
        await pilot.press("escape")  # back to the queue
        assert isinstance(app.screen, QueueScreen)
        await wait_for(lambda: asks("echo hello"), timeout=60)
        queue.redraw()  # it asks something new: a new need, unseen again
        (need,) = [n for n in queue.needs if n.key == key]
        assert not need.seen and "wants to run `echo hello`" in need.reason
        await pilot.press("escape")

        app.screen.query_one(ConversationTable).select_key(key)
        await pilot.press("enter")
        await pilot.pause()
        assert "wants to run `echo hello`" in "\n".join(screen_text(app))
        terminal = actions_of(server, cid, "terminal")[-1]["id"]
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"too risky", "enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), timeout=30)
        assert '"reason": "too risky"' in str(app.screen.detail)  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, ResultsScreen), timeout=90)
        assert app.screen.heading == "Reject: 1 done, 0 failed"  # type: ignore[attr-defined]
        rejected = [e for e in events(server, cid) if e.get("action_id") == terminal]
        assert [e["kind"] for e in rejected] == ["UserRejectObservation"]
        assert rejected[0]["rejection_reason"] == "too risky"
        await pilot.press("escape", "escape")  # the results, the detail
        await pilot.press("A")
        await wait_for(lambda: isinstance(app.screen, QueueScreen))
        # Opened and acted on since it last needed a person: seen (if it still needs one).
        assert all(n.seen for n in app.screen.needs if n.key == key)
    assert [r["action"] for r in audit(history) if r["result"] == "sent"] == ["approve", "reject"]

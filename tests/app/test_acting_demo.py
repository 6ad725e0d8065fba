"""Acting in the dashboard against the demo's V1 app server (its agent servers answer the
confirmation loop as a real one does): what a waiting conversation asks is in its row's detail;
approve, reject with a reason, a typed message, interrupt and the confirmation policy each reach
the conversation's own agent server with its own key, and what the server holds afterwards is
what the operator asked for."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.helpers import FAST, loaded, screen_text, table_of, wait_for
from tui.client.config import ServerConfig
from tui.demo import confirm
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation
from tui.history.store import HistoryStore
from tui.settings import Settings
from tui.ui.app import OhtopApp
from tui.ui.screens.confirm import ConfirmScreen, ResultsScreen
from tui.ui.screens.prompt import PromptScreen


def _waiting(demo: DemoServer, n: int) -> list[DemoConversation]:
    """`n` running conversations made to wait for confirmation, their scripts cleared."""
    convs = [
        c for c in demo.world.visible() if c.sandbox == "RUNNING" and c.execution == "running"
    ][:n]
    assert len(convs) == n
    for c in convs:
        c.script.steps.clear()
        c.next_step = 0
        confirm.ask(demo.world, c, datetime.now(UTC))
        demo.world.push_state(c, "waiting_for_confirmation")
    return convs


async def _act(app: OhtopApp, pilot: object, keys: tuple[str, ...], text: str = "") -> str:
    """Press `keys`, type `text` into the prompt if one comes, confirm; the results' heading."""
    await pilot.press(*keys)  # type: ignore[attr-defined]
    if text:
        await wait_for(lambda: isinstance(app.screen, PromptScreen), timeout=10)
        await pilot.press(*text, "enter")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, ConfirmScreen), timeout=10)
    await pilot.press("y")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, ResultsScreen), timeout=70)
    heading = str(app.screen.heading)  # type: ignore[attr-defined]
    await pilot.press("escape")  # type: ignore[attr-defined]
    return heading


async def test_every_action_reaches_the_agent_server_and_holds(
    demo: DemoServer, tmp_path: Path
) -> None:
    a, b, c = _waiting(demo, 3)
    history = tmp_path / "history.sqlite3"
    config = ServerConfig(demo.url, name="demo")
    app = OhtopApp(Settings(servers=(config,), intervals=FAST, allow_actions=True, history=history))
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)

        def asks(conv: DemoConversation) -> bool:
            view = app.stores.status.get(("demo", conv.hex))
            return view is not None and bool(view.waiting_on)

        await wait_for(lambda: asks(a) and asks(b), timeout=20)
        asked = confirm.pending(a)[0]["action"]["command"]
        table.select_key(("demo", a.hex))
        await pilot.pause()
        await wait_for(lambda: "Asks       wants to run `" in "\n".join(screen_text(app)), 5)
        assert f"`{asked.split()[0]}" in "\n".join(screen_text(app))  # the pane wraps the rest

        assert await _act(app, pilot, ("y",)) == "Approve: 1 done, 0 failed"
        kinds = [e["kind"] for e in a.events if e.get("action_id")]
        assert kinds == ["ObservationEvent"] * len(kinds) and kinds

        table.select_key(("demo", b.hex))
        assert await _act(app, pilot, ("n",), "not on main") == "Reject: 1 done, 0 failed"
        (rejected,) = [e for e in b.events if e["kind"] == "UserRejectObservation"]
        assert rejected["rejection_reason"] == "not on main"

        table.select_key(("demo", c.hex))
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, PromptScreen), timeout=10)
        await pilot.press("ctrl+u")  # the nudge's "continue" replaced by our words
        assert await _act(app, pilot, (), "look at the logs first") == "Message: 1 done, 0 failed"
        said = [e for e in c.events if e["kind"] == "MessageEvent" and e["source"] == "user"]
        assert said[-1]["llm_message"]["content"][0]["text"] == "look at the logs first"

        await pilot.press("F")
        await wait_for(lambda: isinstance(app.screen, PromptScreen), timeout=10)
        await pilot.press("down", "enter")  # NeverConfirm, the second choice
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), timeout=10)
        assert '{"policy": {"kind": "NeverConfirm"}}' in str(app.screen.detail)  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, ResultsScreen), timeout=70)
        await pilot.press("escape")
        assert c.policy == "NeverConfirm"

        await wait_for(lambda: c.execution == "running", timeout=10)
        assert await _act(app, pilot, ("i",)) == "Interrupt: 1 done, 0 failed"
        assert c.execution == "paused"
    store = HistoryStore(history, readonly=True)
    try:
        sent = [r for r in store.actions() if r["result"] == "sent"]
    finally:
        store.close()
    assert [r["action"] for r in sent] == ["approve", "reject", "message", "policy", "interrupt"]
    runtime = f"{demo.url}/runtime/{a.sandbox_id}/api/conversations/{a.id}"
    assert sent[0]["request"]["url"] == f"{runtime}/events/respond_to_confirmation"
    assert a.session_api_key not in str(sent)  # its own key went with it, never into the log

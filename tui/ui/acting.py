"""From a key press to what happened: ask what the action needs (a message, a reason, a
policy), read each conversation's state from its server, refuse what differs from the screen,
confirm with the exact requests, carry it out (read again right before each request; each
request in the audit log) and report per conversation. Runs in a worker: nothing waits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from tui.client.requests import MESSAGE, NUDGE, POLICIES, POLICY, REJECT
from tui.fleet.act import DONE, UNVERIFIED
from tui.fleet.plan import against_screen, plan
from tui.store.view import Key
from tui.ui import bulk
from tui.ui.screens.confirm import ConfirmScreen, ResultsScreen
from tui.ui.screens.prompt import PromptScreen

if TYPE_CHECKING:
    from tui.fleet.fleet import Fleet

QUESTIONS = {
    MESSAGE: "The message to send ({n}); enter sends the nudge as it is:",
    REJECT: "Why it is rejected ({n}; the agent reads this):",
    POLICY: "The confirmation policy for {n} (AlwaysConfirm: everything asks first):",
}


async def act(app: App[Any], fleet: Fleet, action: str, keys: list[Key], hidden: int) -> None:
    """The whole flow for one key press (call it in a worker)."""
    n = bulk.conversations(len(keys))
    text, policy = "", ""
    if action in QUESTIONS:
        default = NUDGE if action == MESSAGE else ""
        choices = POLICIES if action == POLICY else ()
        screen = PromptScreen(QUESTIONS[action].format(n=n), default, choices)
        answer = await app.push_screen_wait(screen)
        if answer is None:
            app.notify("Cancelled: nothing was sent.", timeout=3)
            return
        text, policy = (answer, "") if action != POLICY else ("", answer)
        if action == MESSAGE and not text.strip():
            app.notify("An empty message is not sent.", severity="warning")
            return
    app.notify(f"Reading the state of {n} from their servers…", timeout=2)
    shown = {k: fleet.stores.status.get(k) for k in keys}
    planned = against_screen(await plan(fleet, action, keys, text, policy), shown)
    urls = {c.label: c.url for c in fleet.servers}
    question, detail = bulk.confirmation(planned, hidden, fleet.stores.status, urls)
    if not planned.sendable:
        title = f"{action.capitalize()}: nothing to send"
        await app.push_screen_wait(ResultsScreen(title, detail))
        return
    if not await app.push_screen_wait(ConfirmScreen(question, detail)):
        app.notify("Nothing was sent.", timeout=3)
        return
    decided = fleet.wall()  # what they saw then: a later ask is news, unseen
    try:
        results = await fleet.act(planned)
    except LookupError as exc:
        app.notify(f"Nothing was sent: {exc}.", severity="error", timeout=10, markup=False)
        return
    for result in results:
        fleet.recorder.mark_seen(result.key, decided)
        if result.outcome not in (DONE, UNVERIFIED):
            what = f"{action}: {result.outcome}: {result.message}"
            fleet.stores.errors.add(result.key[0], "action", what, result.key[1])
    report = bulk.report(results, fleet.stores.status)
    await app.push_screen_wait(ResultsScreen(bulk.heading(action, results), report))

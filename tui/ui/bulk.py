"""Acting, as text: the confirmation (naming how many, the state each was seen in and the exact
request each would get) and the per-conversation report. Planning and sending happen in the
Fleet (`tui.fleet.plan`, `tui.fleet.act`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tui.fleet.act import DONE, UNVERIFIED, Result
from tui.fleet.plan import Plan
from tui.store.status_store import StatusStore
from tui.store.view import Key
from tui.ui.rich_text import plain

SHOWN_IN_CONFIRM = 12
VERBS = {
    "approve": "Approve what {n} asks",
    "reject": "Reject what {n} asks",
    "message": "Send a message to {n}",
    "interrupt": "Interrupt {n}",
    "run": "Run {n}",
    "pause": "Pause {n}",
    "resume": "Resume {n}",
    "policy": "Set the confirmation policy of {n}",
}
MARKS = {DONE: ("✔ ", "green"), UNVERIFIED: ("? ", "bold yellow")}


def conversations(n: int) -> str:
    return f"{n} conversation{'s' if n != 1 else ''}"


def _title(key: Key, store: StatusStore) -> str:
    view = store.get(key)
    return view.title if view and view.title else key[1][:8]


def confirmation(
    plan: Plan, hidden: int, store: StatusStore, server_urls: dict[str, str]
) -> tuple[Text, Text]:
    """The question (naming how many would get a request) and the detail: per conversation the
    state read from its server just now and the exact request (keys named, never shown)."""
    sending = plan.sendable
    verb = VERBS.get(plan.action, plan.action + " {n}")
    question = Text(verb.format(n=conversations(len(sending))) + "?", style="bold")
    detail = Text()
    if refused := len(plan.steps) - len(sending):
        detail.append(f"⚠ {refused} of them will not be sent anything (see why below)\n", "bold")
    if hidden:
        verb_hidden = "is" if hidden == 1 else "are"
        detail.append(
            f"⚠ {hidden} of them {verb_hidden} marked but hidden by the filter\n", "bold yellow"
        )
    detail.append("Each is read again right before its request; a change refuses it.\n", "dim")
    for step in plan.steps[:SHOWN_IN_CONFIRM]:
        detail.append("• ")
        detail.append_text(plain(_title(step.key, store), "bold", 70))
        detail.append(f"  ({step.key[0]})\n", "dim")
        if step.seen is not None:
            seen = f"    seen now: {step.seen.status}/{step.seen.execution}"
            if step.asked:
                seen += "; asks: " + "; ".join(p.words() for p in step.asked)
            detail.append_text(plain(seen, "", 300))
            detail.append("\n")
        if step.refused or step.request is None:
            detail.append_text(plain(f"    not sent: {step.refused}", "yellow", 300))
        else:
            url = server_urls.get(step.key[0], "?")
            detail.append_text(plain("    " + step.request.shown(url), "cyan", 400))
        detail.append("\n")
    if len(plan.steps) > SHOWN_IN_CONFIRM:
        detail.append(f"  … and {len(plan.steps) - SHOWN_IN_CONFIRM} more\n", "dim")
    return question, detail


def report(results: Sequence[Result], store: StatusStore) -> Text:
    """One line per conversation: ✔ done and seen on the server, ? sent but not seen yet,
    ✖ refused, failed or skipped; its title; what happened."""
    out = Text()
    for result in results:
        mark, style = MARKS.get(result.outcome, ("✖ ", "bold red"))
        out.append(mark, style)
        out.append_text(plain(_title(result.key, store), "", 60))
        out.append_text(plain(f"  {result.outcome}: {result.message}", "dim", 300))
        out.append("\n")
    return out


def heading(action: str, results: Sequence[Result]) -> str:
    """`Pause: 2 done, 0 failed` (and the unverified, refused and skipped, when any)."""
    done = sum(1 for r in results if r.outcome == DONE)
    out = f"{action.capitalize()}: {done} done, {len(results) - done} failed"
    others = [r.outcome for r in results if r.outcome != DONE]
    if others:
        kinds = sorted(set(others))
        out += " (" + ", ".join(f"{others.count(k)} {k}" for k in kinds) + ")"
    return out

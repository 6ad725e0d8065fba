"""`ohtop act ACTION ID... [--message T] [--reason T] [--policy P] [--yes] [--if-plan TOKEN]`:
act on conversations, bound to the state read now.

Without `--yes` it is a dry run: the plan (what it would send, to whom, the state it saw), a
line `plan: TOKEN` and the command that would do exactly that. `--yes --if-plan TOKEN` sends
only while the state still matches that plan; `--yes` alone reads the state again right before
each request. The explicit `--yes` is the consent (no `--allow-actions` here). Every request
goes to the audit log (`ohtop history --actions`). Exit 0 done and verified, 1 refused (the
state differed from what the action needs, or it could not be verified), 2 unreachable,
unauthorised or not found, 3 dry run.
"""

from __future__ import annotations

import shlex
import sys
from typing import TextIO

from tui.fleet.act import DONE, FAILED, REFUSED, UNVERIFIED, Result, audit_to, carry_out
from tui.fleet.lookup import lookup
from tui.fleet.plan import plan, shown
from tui.history.store import HistoryStore, HistoryUnavailable
from tui.session import open_fleet
from tui.session.codes import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, EXIT_UNREACHABLE
from tui.settings import Settings
from tui.store.view import Key
from tui.text.sanitize import clean

EXIT_DRY_RUN = EXIT_TIMEOUT  # 3: nothing was sent
SECRET_OPTIONS = ("--api-key", "--session-api-key", "--cookie")


def again(argv: list[str], token: str) -> str:
    """The command that sends exactly the plan shown (keys given on the command line are not
    repeated: they come from the environment)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in SECRET_OPTIONS:
            skip = True
            continue
        if arg.split("=", 1)[0] in SECRET_OPTIONS or arg in ("--yes",):
            continue
        out.append(arg)
    return shlex.join(["ohtop", *out, "--yes", "--if-plan", token])


async def act_command(
    settings: Settings,
    action: str,
    ids: list[str],
    *,
    text: str = "",
    policy: str = "",
    yes: bool = False,
    if_plan: str | None = None,
    argv: list[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Plan (and with `yes`, carry out) `action` on the conversations `ids` name."""
    out, err = out or sys.stdout, err or sys.stderr
    async with open_fleet(settings, start=False, flaky_demo=False) as fleet:
        failures = await fleet.snapshot("none")
        keys: list[Key] = []
        for wanted in ids:
            key, why = lookup(fleet.stores, wanted)
            if key is None:
                for line in failures:
                    err.write(f"ohtop: {clean(line, 300)}\n")
                err.write(f"ohtop: {why}\n")
                return EXIT_UNREACHABLE
            keys.append(key)
        planned = await plan(fleet, action, keys, text, policy)
        urls = {c.label: c.url for c in fleet.servers}
        for line in shown(planned, urls):
            out.write(clean(line, 1000) + "\n")
        if not yes:
            out.write(f"plan: {planned.token}\n")
            out.write(again(argv if argv is not None else sys.argv[1:], planned.token) + "\n")
            return EXIT_DRY_RUN
        if if_plan is not None and planned.token != if_plan:
            err.write(
                f"ohtop: refused: the state is not the one plan {clean(if_plan, 40)} saw "
                f"(now plan {planned.token}); nothing was sent\n"
            )
            return EXIT_FAILED
        if not planned.sendable:
            err.write("ohtop: refused: nothing to send (see above); nothing was sent\n")
            return EXIT_UNREACHABLE if all(s.seen is None for s in planned.steps) else EXIT_FAILED
        if settings.history is None:
            err.write("ohtop: refused: acting needs the history store for its audit log\n")
            return EXIT_FAILED
        try:
            audit = HistoryStore(settings.history)
        except HistoryUnavailable as exc:
            err.write(f"ohtop: refused: no audit log: {exc}\n")
            return EXIT_FAILED
        try:
            results = await carry_out(fleet, planned, audit_to(audit))
        finally:
            audit.close()
    for r in results:
        out.write(f"{r.key[0]}/{r.key[1]}: {r.outcome}: {clean(r.message, 300)}\n")
    return _exit(results)


def _exit(results: list[Result]) -> int:
    outcomes = {r.outcome for r in results}
    if outcomes <= {DONE}:
        return EXIT_OK
    if FAILED in outcomes and outcomes & {REFUSED, UNVERIFIED} == set():
        return EXIT_UNREACHABLE
    return EXIT_FAILED

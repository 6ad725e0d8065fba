"""What a toast says of the alerts of one burst: the conversation and what failed, or a summary
when thousands fire at once on a big fleet."""

from __future__ import annotations

from collections import Counter

from textual.notifications import SeverityLevel

from tui.alerts.watcher import Alert
from tui.ui.rich_text import clean


def toast(alerts: list[Alert]) -> tuple[str, SeverityLevel]:
    """The toast's text and severity for the alerts raised within one window."""
    if len(alerts) == 1:
        alert = alerts[0]
        title = clean(alert.title or alert.key[1][:12], 60)
        detail = f"\n{clean(alert.detail, 160)}" if alert.detail else ""
        severity: SeverityLevel = "error" if alert.what in ("error", "stuck") else "warning"
        return f"{alert.what.upper()}: {title}{detail}", severity
    kinds = Counter(a.what for a in alerts)
    summary = ", ".join(f"{n} {what}" for what, n in kinds.most_common())
    codes = Counter(a.code for a in alerts if a.code)
    common = "; ".join(f"{clean(c, 40)} x{n}" for c, n in codes.most_common(3))
    text = f"{len(alerts)} alerts: {summary}." + (f"\n{common}" if common else "")
    return text + "\nPress ! to list them.", "error"

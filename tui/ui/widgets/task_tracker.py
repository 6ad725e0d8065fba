"""The selected conversation's task plan: glyphs, notes, x/y done and a progress bar."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from tui.protocol.events import TaskItem
from tui.text.format import task_glyph
from tui.ui.rich_text import plain

STYLES = {"done": "dim", "in_progress": "bold"}


def render_tasks(tasks: tuple[TaskItem, ...] | None, width: int = 40) -> RenderableType:
    """The task list as a renderable (also used by the detail screen)."""
    if not tasks:
        return Text("No task plan seen yet.", style="dim")
    done = sum(1 for t in tasks if t.status == "done")
    header = Text(f"Tasks {done}/{len(tasks)} done", style="bold")
    filled = round(width * done / len(tasks))
    bar = Text("█" * filled, style="green") + Text("░" * (width - filled), style="dim")
    lines = Text()
    for task in tasks:
        style = STYLES.get(task.status, "")
        lines.append(f"{task_glyph(task.status)} ", style)
        lines.append_text(plain(task.title, style, 120))
        if task.status not in ("todo", "in_progress", "done"):
            lines.append_text(plain(f" [{task.status}]", "italic", 30))
        if task.notes:
            lines.append("\n    ")
            lines.append_text(plain(task.notes, "dim italic", 160))
        lines.append("\n")
    lines.rstrip()
    return Group(header, bar, lines)


class TaskTracker(Static):
    """Shows the task list it is given."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tasks: tuple[TaskItem, ...] | None = None
        self._drawn = False

    def show(self, tasks: tuple[TaskItem, ...] | None) -> None:
        """Display a task list (None: no plan seen)."""
        if tasks != self.tasks or not self._drawn:
            self.tasks, self._drawn = tasks, True
            self.update(render_tasks(tasks, max(10, min(40, self.size.width - 2))))

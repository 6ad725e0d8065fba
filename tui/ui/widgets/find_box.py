"""The find box: Textual's Input, without a layout pass of the whole screen per keystroke."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FindBox(Input):
    """An Input of fixed size whose text scrolls inside it. Input sets its virtual size on
    every change of its value, and a widget's virtual size asks for a layout of the whole
    screen (~40 ms on a modest CPU, at 1,000 rows as at 100,000); here it only repaints the
    box, which is all a fixed-size box needs."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

"""Write man/ohtop.1 from the one argument parser (argparse-manpage), so the page never says
other than `ohtop --help`. The wheel ships it as share/man/man1/ohtop.1, where pipx and
uv tool link it. A test checks the committed page is current.

    python scripts/manpage.py [--check]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from build_manpages.manpage import Manpage

from tui.settings.arguments import build_parser
from tui.start.version import version

PAGE = Path(__file__).resolve().parents[1] / "man" / "ohtop.1"


def render() -> str:
    """The page's roff text."""
    os.environ["COLUMNS"] = "80"  # argparse wraps usage lines to the terminal's width
    parser = build_parser()
    parser.prog = "ohtop"
    data = {
        "project_name": "ohtop",
        "description": "watch many OpenHands conversations at once",
        "url": "https://github.com/OpenHands/OpenHands",
        "manual_section": 1,
        "manual_title": "ohtop manual",
        "date": f"ohtop {version()}",  # not today's date: the page must not change by itself
        "version": version(),
    }
    return str(Manpage(parser, _data=data, format="single-commands-section"))


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        return 0 if PAGE.read_text(encoding="utf-8") == text else 1
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

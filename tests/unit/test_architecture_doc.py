"""docs/architecture.md is what the code says: the layers of the import contract, each
package's and module's docstring, and walks whose every step names a function that exists."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_architecture_document_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "architecture", ROOT / "scripts" / "architecture.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = (ROOT / "docs" / "architecture.md").read_text()
    assert written == module.render(), "run: python scripts/architecture.py"

"""Settings, resolved in one place: command line > environment > config file > defaults
(`resolve`); the config file's model (`config`), its check (`check`), key bindings (`keymap`),
listen addresses (`listen`), logs and the state folder (`logs`), and settings carried to another
process (`wire`)."""

from tui.settings.resolve import (
    ENV,
    Settings,
    UsageError,
    config_path,
    history_path,
    load_config,
    reloader,
    resolve,
    servers_of,
    unique_labels,
)

__all__ = [
    "ENV",
    "Settings",
    "UsageError",
    "config_path",
    "history_path",
    "load_config",
    "reloader",
    "resolve",
    "servers_of",
    "unique_labels",
]

"""Widgets: conversation table, status indicator, detail pane, connection panel."""

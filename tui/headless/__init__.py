"""Headless faces of ohtop: `status`, `watch`, `wait` and the later ones. Each builds one Fleet
(`tui.session.open_fleet`) and reads its stores; none imports Textual or Rich."""

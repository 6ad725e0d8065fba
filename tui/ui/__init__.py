"""The Textual face: the app, its screens and widgets, the list's view-model, key bindings, Rich
text and the clipboard."""

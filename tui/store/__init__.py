"""The stores and their rules: views of conversations, links, events and errors, and the one place
a status is derived. Pure data: no I/O, no Textual."""

"""Pydantic models of what OpenHands servers send. Tolerant: open enums, defaults, extra fields.

Nothing here imports Textual or does I/O; every payload becomes one of these models at the edge.
"""

"""Persistence: the SQLite history store, its size cap, and private files."""

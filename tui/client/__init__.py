"""httpx REST client, server-kind detection and per-kind conversation sources (no Textual)."""

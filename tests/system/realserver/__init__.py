"""ohtop's own harness for tests against a real `openhands-agent-server` on loopback."""

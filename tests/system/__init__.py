"""System tests."""

"""Tests that attack the app: every route by every role, hostile text, malformed input, faults."""

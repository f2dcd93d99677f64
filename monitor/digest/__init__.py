"""Digests: build (pure), render per channel, schedule, deliver through the outbox, operator
notices, and the service that strings them together."""

"""Digests: build (pure), render per channel, deliver through apprise with an outbox."""

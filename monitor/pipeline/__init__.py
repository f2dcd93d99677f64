"""Refreshing a feed: the orchestrator, its pure decisions (what is new, when to poll next),
and the in-flight and batching helpers it shares across feeds; replay."""

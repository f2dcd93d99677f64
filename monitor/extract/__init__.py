"""Untrusted bytes -> text: page extraction, and the worker processes that parse with limits."""

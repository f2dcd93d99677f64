"""What the tests run against: local servers, a mail sink, a webhook receiver, store helpers."""

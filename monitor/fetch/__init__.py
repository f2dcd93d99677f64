"""The only way out to the network: one guarded client for feeds, pages and robots.txt."""

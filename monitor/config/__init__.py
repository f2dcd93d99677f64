"""monitor.yaml and what it points to: settings, durations and sizes, YAML with line
numbers, OPML files, and the editor that adds an OPML to monitor.yaml."""

"""The command line: one module per command group, `main` wires them (monitor.cli.main)."""

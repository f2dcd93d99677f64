"""What every stage stands on: text normalisation with offsets, YAML with line numbers,
durations and sizes, quiet hours. Imports nothing of monitor but errors."""

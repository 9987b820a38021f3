"""Command-line doors onto the stages: each command parses, calls one stage function, and prints."""

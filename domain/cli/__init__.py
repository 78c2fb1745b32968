"""The command line: the one place that composes the domain and the TUI (argparse
parser in main, one module per command under commands/, the rich and JSON-lines
renderers)."""

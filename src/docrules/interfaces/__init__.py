"""Thin layers on the Python API: the CLI, the HTTP service and its page, batch runs, terminal rendering."""

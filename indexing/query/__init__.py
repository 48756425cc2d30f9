"""The read side shared by the CLI and the UI: status, filters, listing, search, categories."""

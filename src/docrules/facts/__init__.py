"""Facts: the input contract, the pack's vocabulary, computed facts, and reading facts files."""

"""From a pack to matches: the compiler, the durable-rules adapter, and turning matches into results."""

"""Rule packs: their models, loading, validation, lint, and the condition language."""

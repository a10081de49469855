"""Package data: the bundled documents (raw/), their manifest and the alias tables."""

"""Build time: raw text → records → triples. Pure functions; nothing here reads a store."""

"""Build time: reason over the asserted quads, validate them, write build/ (the only writer)."""

"""Serve time: read models over SPARQL for pages, views, exports and the CLI."""

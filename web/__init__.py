"""Serve time: the HTTP app (FastAPI): SPARQL protocol, named questions, pages, views."""

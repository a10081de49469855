"""Serve time: the graph views, each read (SPARQL) → model (networkx) → draw (pyvis/HTML)."""

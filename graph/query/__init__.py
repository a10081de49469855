"""Serve time: open a build, run SPARQL under limits, named questions, answers as bytes."""

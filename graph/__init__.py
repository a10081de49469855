"""The graph: the build pipeline (pipeline/), reading a build (query/), read models (read/)."""

"""Package data: the named analyst questions, one SPARQL file each."""

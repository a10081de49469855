"""Sub-commands of `reformkg`, discovered by `reformkg.cli` (one module per verb)."""

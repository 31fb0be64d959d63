"""Research experiments built on the codec's parts (the paper's tables and figures)."""

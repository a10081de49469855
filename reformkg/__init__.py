"""ReformKG: a knowledge graph of Chinese reform measures."""

__version__ = "0.1.0"

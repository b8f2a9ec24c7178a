"""exhibit: a recording in, the untouched original plus a transcript exhibit out."""

__version__ = "0.1.0"

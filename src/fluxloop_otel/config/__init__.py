"""Configuration: options and environment (``options``), provider setup (``setup``), ``.env`` loading."""

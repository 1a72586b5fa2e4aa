"""Core tracing: decorators, ``instrument()``, observation context and the hot-path runtime."""

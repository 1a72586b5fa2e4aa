"""Bridges to other tracing libraries (each optional: nothing here imports them eagerly)."""

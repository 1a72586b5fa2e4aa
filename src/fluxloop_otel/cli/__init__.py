"""The ``fluxloop-otel`` command line (one module per subcommand)."""

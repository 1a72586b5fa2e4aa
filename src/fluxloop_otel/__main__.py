"""``python -m fluxloop_otel``: the ``fluxloop-otel`` command line."""

import sys

from fluxloop_otel.cli.main import main

if __name__ == "__main__":
    sys.exit(main())

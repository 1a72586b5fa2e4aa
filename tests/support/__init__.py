"""Helpers shared by the tests: loopback servers, fake models, project builders, fixtures.

``tests`` is on ``sys.path`` (``pythonpath`` in pyproject.toml) and pytest imports test files
with ``--import-mode=importlib``, so no test folder lands on ``sys.path``: test code imports its
helpers as ``from support.<module> import ...``. Fixtures used by several folders live in
``support.fixtures`` and ``support.fluxloop_cli_fixtures`` (registered by tests/conftest.py).
"""

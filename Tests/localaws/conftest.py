"""pytest fixtures for the local AWS tests (the helpers live in localaws_support.py)."""
from localaws_support import localaws, server_pool, without  # noqa: F401  (fixtures)

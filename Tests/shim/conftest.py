"""The shim suites' fixtures, from shim_support.py: test modules import helpers from there by that name,
never from `conftest` (which names whichever conftest pytest loaded last)."""
from shim_support import *  # noqa: F401,F403

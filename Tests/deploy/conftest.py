"""The deploy suites' fixtures, from deploy_support.py: test modules import helpers from there by that
name, never from `conftest` (which names whichever conftest pytest loaded last)."""
from deploy_support import *  # noqa: F401,F403

"""`python -m writeit` is the `writeit` command."""

from writeit.entrypoints.main import run

run()

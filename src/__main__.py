"""`python -m writeit` is the `writeit` command."""

from writeit.entrypoints.cli.main import run

run()

"""``python -m etfsim``: the same as the ``etfsim`` command."""

from etfsim.cli.main import main

main()

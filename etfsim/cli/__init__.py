"""The ``etfsim`` command line: thin commands over the public library calls."""

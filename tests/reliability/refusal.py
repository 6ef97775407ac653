"""What a refusal looks like from the command line (a helper module, not a test file).

Exit status 2, one line on stderr that starts ``etfsim: error:`` and holds
the words the case expects, no traceback and nothing on stdout.
"""

from __future__ import annotations

from tests.cli.runner import Outcome


def refused(out: Outcome, words: str) -> str:
    """The one line of a refusal, after checking its shape; ``words`` must be in it."""
    assert out.code == 2, (out.code, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("etfsim: error: "), lines[0]
    assert words in lines[0], lines[0]
    return lines[0]

"""A build hook for the API reference: Sphinx roles in the docstrings become links.

The package's docstrings cross-reference with Sphinx roles (``:func:`compute_index```).
mkdocstrings renders a role's target as inline code and leaves the role's name in front
of it; this hook drops the name and wraps the target in an optional cross-reference,
which mkdocs-autorefs turns into a link when the target is documented here and leaves
as plain code when it is not.  ``~`` shows the last part of a dotted name, as in Sphinx.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|obj|exc|const):<code>(~?)([\w.]+)(\(\))?</code>")


def _link(match: re.Match[str]) -> str:
    tilde, target, call = match.group(1), match.group(2), match.group(3) or ""
    shown = target.rsplit(".", 1)[-1] if tilde else target
    return f'<autoref identifier="{target}" optional><code>{shown}{call}</code></autoref>'


def on_page_content(html: str, **kwargs: Any) -> str:
    """Replace each role with an optional cross-reference to its target."""
    return ROLE.sub(_link, html)

"""``python -m certificates.cli``: the same as the ``relu-landscape`` script."""

from . import entry

entry()

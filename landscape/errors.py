"""Named exceptions of the landscape package.

Every failure a user can cause (a malformed file, a wrong shape, a zero row)
raises :class:`InputError` with a message a person can act on; the command
line turns it into one line on stderr and exit status 2.
"""


class InputError(ValueError):
    """Bad input: the message names the problem (shape, NaN, zero row, ...)."""


class NotCriticalError(InputError):
    """A point that was expected to be (near-)critical is not."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a long computation, carrying what was finished.

    It is a :class:`KeyboardInterrupt` (so ``except KeyboardInterrupt`` and
    the command line's exit status 130 still apply); ``partial`` holds the
    finished results (e.g. table rows, critical points), which a caller may
    save -- always marked partial, never as if the work were complete.
    """

    def __init__(self, partial, message: str = "interrupted"):
        super().__init__(message)
        self.partial = partial
        self.message = message

"""Named exceptions of the landscape package.

Every failure a user can cause (a malformed file, a wrong shape, a zero row)
raises :class:`InputError` with a message a person can act on; the command
line turns it into one line on stderr and exit status 2.
"""


class InputError(ValueError):
    """Bad input: the message names the problem (shape, NaN, zero row, ...)."""


class NotCriticalError(InputError):
    """A point that was expected to be (near-)critical is not."""

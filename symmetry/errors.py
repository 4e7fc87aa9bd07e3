"""Named exceptions of the symmetry package."""


class InputError(ValueError):
    """Bad input to a symmetry computation (shape, NaN, size out of reach)."""


class OutOfReachError(InputError):
    """The requested size is too large for the exact algorithm; the message says why."""

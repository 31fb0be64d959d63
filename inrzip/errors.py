"""The one exception type the CLI turns into a one-line message and a non-zero exit code."""


class InrzipError(Exception):
    """A user-facing failure: bad input, corrupt file, missing initialization, refused size."""

"""The exceptions keten raises. Every one derives from :class:`Error`.

Each carries the position of the problem as attributes (``None`` where unknown): ``code`` (the
stable numeric id), ``message``, ``file``, ``line``, ``column``, ``pointer`` (a JSON pointer),
``field`` and ``object_id``.
"""


class Error(Exception):
    """Base of all keten errors."""

    code = None
    message = None
    file = None
    line = None
    column = None
    pointer = None
    field = None
    object_id = None


class ParseError(Error, ValueError):
    """The input is not well-formed (JSON syntax, wrong type, missing or unknown field)."""


class ValidationError(Error, ValueError):
    """Well-formed input that breaks a rule (negative capacity, duplicate id, a cycle)."""


class NotFoundError(Error, KeyError):
    """A lookup by id or code that names nothing."""

    def __str__(self):  # KeyError would quote the message
        return Exception.__str__(self)


class KetenIOError(Error, OSError):
    """A file that cannot be read or written."""

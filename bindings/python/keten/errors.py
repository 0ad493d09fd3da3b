"""The exceptions keten raises. Every one derives from :class:`Error`.

A C++ ``keten::error`` arrives as the class of the same kind, with the same message (``str(e)``,
e.g. ``"[keten.validation_error.205] mini.json /offerings/0/capacity/free_units (capacity.free_units
of 'o1'): must not be negative"``) and the position of the problem as attributes (``None`` where
unknown): ``code`` (the stable numeric id, docs/formats.md), ``message`` (without the prefix),
``file``, ``line``, ``column``, ``pointer`` (a JSON pointer), ``field`` and ``object_id``.

==================  ==========================  =============================================
keten               also a                      raised for
==================  ==========================  =============================================
``ParseError``      ``ValueError``              malformed input: JSON syntax, wrong type, ...
``ValidationError`` ``ValueError``              well-formed input that breaks a rule
``NotFoundError``   ``KeyError``                a lookup by id or code that names nothing
``KetenIOError``    ``OSError``                 a file that cannot be read or written
==================  ==========================  =============================================
"""

from __future__ import annotations

from typing import Any, Dict, Optional


class Error(Exception):
    """Base of all keten errors."""

    code: Optional[int] = None
    message: Optional[str] = None
    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None
    pointer: Optional[str] = None
    field: Optional[str] = None
    object_id: Optional[str] = None

    @property
    def position(self) -> Dict[str, Any]:
        """The known parts of the position: file, line, column, pointer, field, object_id."""
        names = ("file", "line", "column", "pointer", "field", "object_id")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


class ParseError(Error, ValueError):
    """The input is not well-formed (JSON syntax, wrong type, missing or unknown field)."""


class ValidationError(Error, ValueError):
    """Well-formed input that breaks a rule (negative capacity, duplicate id, a cycle)."""


class NotFoundError(Error, KeyError):
    """A lookup by id or code that names nothing."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class KetenIOError(Error, OSError):
    """A file that cannot be read or written."""

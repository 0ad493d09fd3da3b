"""keten — referral matching for the Keten van Hoop, over the C++ core.

>>> import keten
>>> landscape = keten.load_landscape("data/example/landscape.json")
>>> landscape.summary()["partners"]  # doctest: +SKIP
"""

from keten._ext import (
    HelpForm,
    Landscape,
    NeedCategory,
    __version__,
    generate_national_landscape,
    help_form_label,
    load_landscape,
    member_organisation,
    parse_landscape,
    standard_categories,
    validate_cases,
)
from keten.errors import Error, KetenIOError, NotFoundError, ParseError, ValidationError

__all__ = [
    "Error",
    "HelpForm",
    "KetenIOError",
    "Landscape",
    "NeedCategory",
    "NotFoundError",
    "ParseError",
    "ValidationError",
    "__version__",
    "generate_national_landscape",
    "help_form_label",
    "load_landscape",
    "member_organisation",
    "parse_landscape",
    "standard_categories",
    "validate_cases",
]

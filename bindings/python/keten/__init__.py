"""keten — referral matching for the Keten van Hoop, over the C++ core.

>>> import keten
>>> landscape = keten.load_landscape("data/example/landscape.json")
>>> landscape.summary()["partners"]  # doctest: +SKIP
"""

import json as _json

from keten import _ext
from keten._ext import (
    Case,
    HelpForm,
    Landscape,
    NeedCategory,
    __version__,
    generate_national_landscape,
    help_form_label,
    load_cases,
    load_landscape,
    member_organisation,
    parse_cases,
    parse_landscape,
    standard_categories,
    validate_cases,
)
from keten.errors import Error, KetenIOError, NotFoundError, ParseError, ValidationError

__all__ = [
    "Case",
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
    "load_cases",
    "load_landscape",
    "match",
    "member_organisation",
    "parse_cases",
    "parse_landscape",
    "standard_categories",
    "validate_cases",
]


def match(landscape, case, *, top_k=5, max_partners=3, allow_waitlist=False, exhaustive=False):
    """The exact top-k bundles of offerings for one case, with pathway and reasons.

    Returns a dict in the per-case shape of the ``keten.matches`` JSON format (docs/matching.md):
    ``status``, ``needs`` (candidates and rejections) and ``bundles`` (score and terms in points,
    assignments, alternatives, pathway). ``exhaustive=True`` enumerates every assignment instead
    (the correctness oracle; same result, slower). Raises ValidationError for bad options or a case
    that does not fit the landscape. Releases the GIL while matching.
    """
    return _json.loads(
        _ext._match_json(landscape, case, top_k, max_partners, allow_waitlist, exhaustive)
    )

"""Short item labels for the dashboards: the question without its common lead-in.

Every satisfaction item of the forms is asked as "Ông/Bà hài lòng ở mức nào với
việc …?" ("How satisfied are you that …?"); a heatmap cell or a priority list
has room for what the item is about, not for the lead-in repeated 19 times.
"""

from __future__ import annotations

import re

_LEAD_IN = re.compile(
    r"^(?:Ông/Bà hài lòng ở mức nào với(?: việc)?"
    r"|How satisfied are you(?: that| with)?)\s+",
    re.IGNORECASE,
)


def short_item_label(text: str) -> str:
    """The item's text without the question's lead-in, first letter capitalised.

    >>> short_item_label("Ông/Bà hài lòng ở mức nào với việc mức phí, lệ phí?")
    'Mức phí, lệ phí'
    >>> short_item_label("How satisfied are you with the civil servants' care?")
    "The civil servants' care"
    >>> short_item_label("E9.9")
    'E9.9'
    """
    rest = _LEAD_IN.sub("", text.strip()).rstrip(" ?")
    return rest[:1].upper() + rest[1:] if rest else text

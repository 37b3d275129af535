"""{% load numbers %}: the filters of the one number formatter, sipas/numbers.py.

They live on the ground floor (sipas), which is not an installed app; Django
finds template libraries in apps, so the lowest app exposes them here.
"""

from sipas.numbers import register

__all__ = ["register"]

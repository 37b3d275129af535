"""Vietnamese formats: dates as people write them on forms, 27/11/2026.

Django's own vi formats spell dates out ("Ngày 27 tháng 11 năm 2026"), which is
too long for tables, use d-m-Y for short dates, and leave the input formats at
the US default, so 05/06/2026 typed into an admin date field would be read as
6 May. Here day/month/year is both shown and read first. Numbers: see
sipas/numbers.py.
"""

from django.conf.locale.vi.formats import *  # noqa: F403

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
MONTH_DAY_FORMAT = "j/n"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
FIRST_DAY_OF_WEEK = 1  # Monday
# Thousands grouped by three with "." (15.808), decimal comma (79,60): Django's vi
# module sets the separators but not the grouping (sipas/numbers.py).
NUMBER_GROUPING = 3

"""Django's {# #} comments end at the line: one that runs over two lines is printed
on the page as text (the survey's procedure partial once showed its comment)."""

import re
from pathlib import Path

from django.conf import settings


def test_no_template_has_a_multi_line_hash_comment():
    broken = [
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if re.search(r"\{#(?:(?!#\}).)*\n", path.read_text())
    ]
    assert broken == []

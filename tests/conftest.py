"""Named fixtures shared by the suite (people and things, healthchecks style)."""

import pytest


@pytest.fixture
def reference_data(db):
    """Reference data of the demo province, as `load_reference_data --province 33`.

    Hưng Yên (33) with its 104 communes, agencies (UBND-T33, TTHCC-T33, SNV-T33 …,
    UBND-X<wwwww>, TTHCC-X<wwwww>) and service points (TTHCC-T33, DVC-T33,
    TTHCC-X<wwwww>); former Thái Bình (UBND-T34, UBND-H<ddd>, its communes) ended
    and pointing to successors; the 265 procedures; exit-dv and hh-1001 version 1.
    About half a second on SQLite. Returns the loader's report.
    """
    from agencies.reference import load_reference_data

    return load_reference_data(["33"])

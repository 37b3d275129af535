"""ODK Validate (the Java validator shipped with pyxform, run by ODK Central
itself) accepts the XLSForms; skipped where no Java runtime is installed."""

from __future__ import annotations

import shutil

import pytest
from pyxform.xls2xform import convert

from api import xlsform
from surveys.models import QuestionnaireVersion

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None, reason="ODK Validate needs a Java runtime"
)


@pytest.mark.parametrize("code", ["exit-dv", "hh-1001"])
def test_odk_validate_accepts_the_xlsform(db, code):
    from surveys.reference import load_questionnaires

    load_questionnaires()
    version = QuestionnaireVersion.objects.get(questionnaire__code=code, number=1)
    warnings: list[str] = []
    convert(xlsform=xlsform.xlsform_workbook(version), warnings=warnings, validate=True)
    assert warnings == []

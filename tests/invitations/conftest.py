"""People and places for the invitation and poster tests.

Province 33 (Hưng Yên) with its People's Committee, one department, the provincial
service centre with a counter, and one commune with its centre; province 01 has
one agency so scope can be shown. The exit-dv questionnaire is the shipped one.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from agencies.models import AdministrativeUnit, Agency, Procedure, ServicePoint
from staff.models import StaffProfile
from surveys.models import Questionnaire
from surveys.reference import load_questionnaires


@pytest.fixture
def exit_questionnaire(db) -> Questionnaire:
    load_questionnaires()
    return Questionnaire.objects.get(code="exit-dv")


@pytest.fixture
def hung_yen(db) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code="33", name="Hưng Yên", level="province", province_code="33"
    )


@pytest.fixture
def hung_yen_committee(hung_yen) -> Agency:
    return Agency.objects.create(
        code="UBND-T33",
        name="Ủy ban nhân dân tỉnh Hưng Yên",
        kind=Agency.Kind.PEOPLES_COMMITTEE_PROVINCE,
        unit=hung_yen,
        province_code="33",
    )


@pytest.fixture
def justice_department(hung_yen, hung_yen_committee) -> Agency:
    return Agency.objects.create(
        code="STP-T33",
        name="Sở Tư pháp tỉnh Hưng Yên",
        kind=Agency.Kind.DEPARTMENT,
        parent=hung_yen_committee,
        unit=hung_yen,
        province_code="33",
    )


@pytest.fixture
def province_centre(hung_yen, hung_yen_committee) -> Agency:
    return Agency.objects.create(
        code="TTHCC-T33",
        name="Trung tâm Phục vụ hành chính công tỉnh Hưng Yên",
        kind=Agency.Kind.SERVICE_CENTRE_PROVINCE,
        parent=hung_yen_committee,
        unit=hung_yen,
        province_code="33",
    )


@pytest.fixture
def counter(province_centre) -> ServicePoint:
    return ServicePoint.objects.create(
        code="TTHCC-T33-Q01",
        name="Quầy số 1 – Tư pháp, hộ tịch",
        kind=ServicePoint.Kind.COUNTER,
        agency=province_centre,
    )


@pytest.fixture
def ended_agency(hung_yen, hung_yen_committee) -> Agency:
    """A pre-2025 agency: it gets no poster."""
    import datetime

    return Agency.objects.create(
        code="UBND-H999",
        name="Ủy ban nhân dân huyện cũ",
        kind=Agency.Kind.PEOPLES_COMMITTEE_DISTRICT,
        parent=hung_yen_committee,
        unit=hung_yen,
        province_code="33",
        valid_until=datetime.date(2025, 6, 30),
    )


@pytest.fixture
def marriage(db) -> Procedure:
    return Procedure.objects.create(
        code="1.000894", name="Đăng ký kết hôn", field="Hộ tịch", levels="xa"
    )


@pytest.fixture
def signature(db) -> Procedure:
    return Procedure.objects.create(
        code="2.000884", name="Chứng thực chữ ký", field="Chứng thực", levels="tinh|xa"
    )


@pytest.fixture
def hanoi_committee(db) -> Agency:
    unit = AdministrativeUnit.objects.create(
        code="01", name="Hà Nội", level="province", province_code="01"
    )
    return Agency.objects.create(
        code="UBND-T01",
        name="Ủy ban nhân dân thành phố Hà Nội",
        kind=Agency.Kind.PEOPLES_COMMITTEE_PROVINCE,
        unit=unit,
        province_code="01",
    )


@pytest.fixture
def province_admin(db) -> User:
    """A superuser: administrator scope, every admin permission."""
    return User.objects.create_superuser("quantri", "qt@example.vn", "x-Secret-123")


@pytest.fixture
def hanoi_analyst(hanoi_committee) -> User:
    """Staff of Hà Nội's Sở Nội vụ: may add invitations, sees only province 01."""
    user = User.objects.create_user("hanoi", "hn@example.vn", "x-Secret-123")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="invitations",
            codename__in=["add_invitation", "view_invitation"],
        )
    )
    StaffProfile.objects.create(
        user=user, role=StaffProfile.Role.PROVINCIAL_ANALYST, province_code="01"
    )
    return user


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but not staff."""
    return User.objects.create_user("nguoidan", "nd@example.vn", "x-Secret-123")

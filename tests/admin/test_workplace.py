"""The admin as a workplace (issue 17, item 8): tasks first on the home page,
Vietnamese section names, posters linked from service points, a staff member
added in one form with an agency autocomplete, the agency tree as a tree."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from agencies.models import Agency, ServicePoint
from staff.models import StaffProfile

User = get_user_model()


def _sections(page: str) -> list[str]:
    """The section captions of the admin home, in order."""
    return re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', page)


def test_the_admin_home_starts_with_the_three_tasks(admin_client, db):
    page = admin_client.get("/admin/").content.decode()
    tasks = page.index("Việc thường làm")
    for title, url in [
        ("In mã QR", "/posters/"),
        ("Gửi lời mời", "/admin/invitations/invitation/upload/"),
        ("Thêm cán bộ", "/admin/staff/staffprofile/add/"),
    ]:
        assert title in page and f'href="{url}"' in page
    assert tasks < page.index('class="app-')  # above every section


def test_the_first_section_is_agencies_and_login_security_is_last_in_vietnamese(
    admin_client, db
):
    page = admin_client.get("/admin/").content.decode()
    sections = [s.strip() for s in _sections(page)]
    assert sections[0] == "Cơ quan và đơn vị hành chính" or "Cơ quan" in sections[0]
    assert sections[-1] == "Bảo vệ đăng nhập"
    assert ">Axes<" not in page and ">AXES<" not in page
    assert "Access attempts" not in page and "Access logs" not in page


def test_staff_without_a_permission_do_not_see_its_task(client, db):
    clerk = User.objects.create_user("thu.ky", "tk@example.vn", is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(codename="add_invitation"),
    )
    client.force_login(clerk)
    page = client.get("/admin/").content.decode()
    assert "Gửi lời mời" in page
    assert "Thêm cán bộ" not in page
    assert "In mã QR" not in page  # no staff profile: the posters would refuse


def test_a_service_point_links_to_its_qr_poster(admin_client, reference_data):
    page = admin_client.get(
        "/admin/agencies/servicepoint/", {"q": "TTHCC-T33"}
    ).content.decode()
    assert 'href="/posters/TTHCC-T33.pdf"' in page
    assert "In mã QR" in page
    point = ServicePoint.objects.get(code="TTHCC-T33")
    assert point  # the poster itself is tested in tests/invitations


def test_a_staff_member_is_added_in_one_form_with_an_agency_autocomplete(
    admin_client, reference_data
):
    form = admin_client.get("/admin/staff/staffprofile/add/").content.decode()
    assert 'name="username"' in form and 'name="email"' in form
    agency_field = re.search(r'<select[^>]*name="agency"[^>]*>', form).group(0)
    assert "admin-autocomplete" in agency_field  # a search box, not a number
    agency = Agency.objects.get(code="SNV-T33")
    response = admin_client.post(
        "/admin/staff/staffprofile/add/",
        {
            "username": "nguyen.van.a",
            "full_name": "Nguyễn Văn A",
            "email": "a@example.vn",
            "role": "agency_manager",
            "agency": agency.pk,
            "province_code": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = StaffProfile.objects.get(user__username="nguyen.van.a")
    assert profile.agency == agency and profile.role == "agency_manager"
    assert profile.user.get_full_name() == "Nguyễn Văn A"
    assert not profile.user.has_usable_password()  # sets it through the reset mail
    assert not profile.user.is_staff


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "admin"}, "username"),  # taken by admin_client's user
        ({"role": "agency_manager", "agency": ""}, "agency"),
        ({"password1": "x", "password2": "y"}, "password2"),
    ],
)
def test_a_bad_staff_form_creates_no_user_and_no_profile(
    admin_client, reference_data, changes, field
):
    data = {
        "username": "tran.thi.b",
        "full_name": "Trần Thị B",
        "email": "b@example.vn",
        "role": "provincial_analyst",
        "agency": "",
        "province_code": "33",
        **changes,
    }
    before = User.objects.count()
    response = admin_client.post("/admin/staff/staffprofile/add/", data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert User.objects.count() == before
    assert not StaffProfile.objects.filter(user__username="tran.thi.b").exists()


def test_a_scoped_administrator_places_staff_only_in_their_scope(
    client, reference_data, ha_noi_committee
):
    admin = User.objects.create_user("qt.hn", "qt@example.vn", is_staff=True)
    admin.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_staffprofile", "view_staffprofile", "add_user"]
        )
    )
    StaffProfile.objects.create(
        user=admin, role="agency_manager", agency=ha_noi_committee
    )
    client.force_login(admin)
    response = client.post(
        "/admin/staff/staffprofile/add/",
        {
            "username": "ngoai.pham.vi",
            "full_name": "Ngoài Phạm Vi",
            "email": "n@example.vn",
            "role": "agency_manager",
            "agency": Agency.objects.get(code="SNV-T33").pk,
        },
    )
    assert response.status_code == 200
    assert "agency" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="ngoai.pham.vi").exists()


def _codes(page: str) -> list[str]:
    return re.findall(r'<th class="field-code"><a [^>]*>([^<]+)</a>', page)


def _row(page: str, code: str) -> str:
    start = page.index(f">{code}<")
    return page[start : page.index("</tr>", start)]


def test_the_agency_list_reads_as_a_tree(admin_client, reference_data):
    page = admin_client.get(
        "/admin/agencies/agency/", {"q": "T33", "validity": "active"}
    ).content.decode()
    codes = _codes(page)
    assert codes[0] == "UBND-T33"  # the root first, its branch under it
    assert "tree-depth" not in _row(page, "UBND-T33")
    row = _row(page, "SNV-T33")
    assert "tree-depth-1" in row and "└" in row
    centre = Agency.objects.filter(code__startswith="TTHCC-X", province_code="33")
    centre = centre.select_related("parent").order_by("code").first()
    page = admin_client.get(
        "/admin/agencies/agency/", {"subtree": centre.parent.pk}
    ).content.decode()
    assert _codes(page) == [centre.parent.code, centre.code]
    assert "tree-depth-1" in _row(page, centre.parent.code)
    assert "tree-depth-2" in _row(page, centre.code)

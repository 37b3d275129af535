"""create_demo_users: one demo login per staff role, printed with its password.

Idempotent: running it again resets the same users to the same passwords and
roles. For demonstrations only (`make demo`); never run it on a production site.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count

from agencies.models import Agency
from staff.models import StaffProfile
from surveys.models import Response

PASSWORD = "sipas-demo-2026"


def _manager_agency(province: str) -> Agency | None:
    """The commune (or, failing that, the agency) of the province with the most
    responses, so the manager's dashboards have data; else the provincial root."""
    busiest = (
        Response.objects.filter(agency__province_code=province)
        .values("agency")
        .annotate(total=Count("id"))
        .order_by("-total")
        .first()
    )
    if busiest:
        agency = Agency.objects.select_related("parent").get(pk=busiest["agency"])
        # A commune service centre sits under its People's Committee: manage both.
        if agency.kind == Agency.Kind.SERVICE_CENTRE_COMMUNE and agency.parent:
            return agency.parent
        return agency
    return Agency.objects.filter(code=f"UBND-T{province}").first()


class Command(BaseCommand):
    help = "Create (or reset) one demo staff login per role and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default="33", help="province code (33)")

    @transaction.atomic
    def handle(self, *args, province: str, **options) -> None:
        if not (province.isdigit() and len(province) == 2):
            raise CommandError(f"--province {province!r}: expected 2 digits, e.g. 33.")
        manager_agency = _manager_agency(province)
        if manager_agency is None:
            raise CommandError(
                f"No agency in province {province}: run load_reference_data first."
            )
        people = [
            ("demo.quocgia", StaffProfile.Role.NATIONAL_VIEWER, {}),
            (
                "demo.sonoivu",
                StaffProfile.Role.PROVINCIAL_ANALYST,
                {"province_code": province},
            ),
            (
                "demo.coquan",
                StaffProfile.Role.AGENCY_MANAGER,
                {"agency": manager_agency},
            ),
            ("demo.quantri", StaffProfile.Role.ADMINISTRATOR, {}),
        ]
        users = get_user_model().objects
        self.stdout.write(
            f"Demo logins ({settings.SITE_URL.rstrip('/')}/accounts/login/):"
        )
        for username, role, scope in people:
            user, _created = users.get_or_create(
                username=username, defaults={"email": f"{username}@example.vn"}
            )
            user.set_password(PASSWORD)
            user.is_active = True
            # Only the administrator may open /admin/.
            user.is_staff = user.is_superuser = role == StaffProfile.Role.ADMINISTRATOR
            user.save()
            StaffProfile.objects.update_or_create(
                user=user,
                defaults={"role": role, "agency": None, "province_code": "", **scope},
            )
            where = scope.get("agency") or (
                f"tỉnh {scope['province_code']}" if scope else "toàn quốc"
            )
            self.stdout.write(f"  {username:<14} / {PASSWORD}  {role.label} – {where}")

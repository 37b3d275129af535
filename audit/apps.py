from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Nhật ký thao tác")

    def ready(self) -> None:
        # Django's own auth and admin signals are the only hooks that see every
        # login, logout and admin edit; the receivers only call audit.services.
        from audit import receivers

        receivers.connect_staff_roles()

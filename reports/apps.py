from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Chỉ số và báo cáo")

    def ready(self) -> None:
        # An agency moving in the tree queues the re-pooling of its history
        # (a save signal, as audit does: agencies may not import reports).
        from reports import receivers

        receivers.connect()

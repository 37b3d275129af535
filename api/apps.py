from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API cho hệ thống một cửa")

    def ready(self) -> None:
        # The apps that emit events sit left of this one in the import order and
        # cannot call it; they send a signal, and these receivers queue webhooks.
        from api import receivers, schema  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invitations"
    verbose_name = _("Lời mời và mã QR")

    def ready(self) -> None:
        # django.contrib.admin (first in INSTALLED_APPS) has autodiscovered every
        # admin module by now; hook the poster action into the agencies admins
        # here rather than editing that app.
        from invitations.admin import add_poster_actions

        add_poster_actions()

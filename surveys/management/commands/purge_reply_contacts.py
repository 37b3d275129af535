"""Delete reply contacts that staff handled or that passed their retention time."""

from django.core.management.base import BaseCommand

from surveys import services


class Command(BaseCommand):
    help = (
        "Delete the phone numbers and e-mail addresses citizens left for a reply, "
        "once handled or after REPLY_CONTACT_RETENTION_DAYS."
    )

    def handle(self, *args, **options) -> None:
        deleted = services.purge_reply_contacts()
        self.stdout.write(f"purge_reply_contacts: deleted {deleted} reply contact(s)")

"""manage.py create_invitations FILE.csv [--expires-days N] [--out links.csv]"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from invitations import files, services


class Command(BaseCommand):
    help = (
        "Issue one-time invitation links for the dossiers of a CSV (columns "
        "dossier_code, agency; optional procedure, service_point). All or nothing: "
        "any bad row stops the file with a message naming its line and column. "
        "Writes the links as CSV to --out, or to standard output."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV of dossiers (UTF-8, header row)")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=services.DEFAULT_EXPIRES_DAYS,
            help="days until the links expire (default %(default)s)",
        )
        parser.add_argument("--out", help="write the links CSV here (default: stdout)")

    def handle(self, *args, file: str, expires_days: int, out: str | None, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror})")
        if out and Path(out).resolve() == path.resolve():
            raise CommandError("--out must not overwrite the input file")
        try:
            requests = files.parse_invitation_csv(data, filename=file)
            issued = services.create_invitations(requests, expires_days=expires_days)
        except files.InvitationFileError as exc:
            raise CommandError("\n".join(f"{file}: {error}" for error in exc.errors))
        except ValidationError as exc:
            raise CommandError("\n".join(f"{file}: {error}" for error in exc.messages))
        links = files.links_csv(issued)
        if out:
            Path(out).write_text(links, encoding="utf-8")
            self.stderr.write(f"{len(issued)} invitations created; links in {out}")
        else:
            self.stdout.write(links, ending="")
            self.stderr.write(f"{len(issued)} invitations created")

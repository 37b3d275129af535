"""How the improvement pages report a write: the service's ValidationError as an
error message on the page the user returns to, else a success message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def write_and_report(
    request: HttpRequest, write: Callable[[], object], success: str
) -> bool:
    """Run `write`; True when it succeeded (a success message), else False with
    what was wrong as an error message."""
    try:
        write()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True

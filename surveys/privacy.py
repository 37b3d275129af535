"""The privacy notice for citizens (Decree 13/2023/NĐ-CP, the 2025 Personal Data
Protection Law): what is kept, for how long, who sees it, how to have a reply
contact deleted. The periods come from settings, where they are kept in one place.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from surveys.views import PAKN_URL


def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "contact_days": settings.REPLY_CONTACT_RETENTION_DAYS,
        "backup_days": settings.BACKUP_KEEP_DAYS,
        "response_years": settings.RESPONSE_RETENTION_YEARS,
        "rate_minutes": settings.SURVEY_RATE_WINDOW_SECONDS // 60,
        "form_hours": settings.SURVEY_FORM_MAX_AGE_SECONDS // 3600,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "pakn_url": PAKN_URL,
    }
    return render(request, "surveys/privacy.html", context)

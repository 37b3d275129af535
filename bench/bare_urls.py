"""The portal's URLs plus `/__bench__/insert`: a bare Django view inserting one row.

It is the yardstick for the survey submission: same server, same database, same
run, but no form, no validation, no template, no index bookkeeping.
"""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from sipas.urls import handler500  # noqa: F401
from sipas.urls import urlpatterns as portal_urlpatterns

BARE_TABLE = "bench_bare_insert"


@csrf_exempt  # benchmark-only URL, never routed in production
def bare_insert(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BARE_TABLE} (payload) VALUES (%s)",  # noqa: S608
            [request.POST.get("payload", "")[:200]],
        )
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/insert", bare_insert), *portal_urlpatterns]

"""Walk the URL resolver and turn every pattern into concrete URLs to request.

Used by the CSRF test and the authorization matrix so that a URL added later is
covered without anyone remembering to list it. Parameters are filled by a
`samples` function (route text, parameter name) → value, or None if unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

Samples = Callable[[str, str], str | None]

# URLs anyone may open: the citizen side (with its privacy notice), sign-in,
# language, health, static files (and /metrics, which is limited by address
# instead: tests/deploy/test_metrics.py).
PUBLIC_PREFIXES = (
    "/s/",
    "/accounts/",
    "/i18n/",
    "/healthz",
    "/metrics",
    "/static/",
    "/media/",
)
PUBLIC_EXACT = ("/", "/quyen-rieng-tu/")
# The REST API and the OpenRosa endpoints authenticate by token, not by staff
# login: the API's own matrix walks the OpenAPI schema
# (tests/api/test_scope_matrix.py); OpenRosa is tested in tests/api/test_openrosa.py.
TOKEN_PREFIXES = ("/api/", "/openrosa/")

_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_PARAMETER = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def walk_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, object]]:
    """(route text from the root, view callback) for every pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        text = prefix + _text(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk_patterns(pattern, text)
        elif isinstance(pattern, URLPattern):
            yield text, pattern.callback


def _text(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        return pattern._regex.removeprefix("^").removesuffix("$")
    return str(pattern)


def is_public(url: str) -> bool:
    return url in PUBLIC_EXACT or url.startswith(PUBLIC_PREFIXES)


def _fill(route: str, samples: Samples) -> tuple[str | None, list[str]]:
    missing: list[str] = []

    def value(match: re.Match) -> str:
        found = samples(route, match["name"])
        if found is None:
            missing.append(match["name"])
            return ""
        return str(found)

    url = _REGEX_PARAMETER.sub(value, route).replace("\\.", ".")
    url = _ROUTE_PARAMETER.sub(value, url)
    if missing or re.search(r"[()\[\]*+?^$|\\]", url):
        return None, missing or ["<regex>"]
    return "/" + url, []


def _non_admin_routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        text = prefix + _text(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) != "admin":
                yield from _non_admin_routes(pattern, text)
        else:
            yield text


def route_urls(samples: Samples) -> tuple[list[str], list[str]]:
    """Concrete URLs for every route outside the admin, and the routes not filled."""
    urls, missing = [], []
    for route in _non_admin_routes(get_resolver()):
        url, unknown = _fill(route, samples)
        if ("/" + route).startswith(TOKEN_PREFIXES):
            continue
        if url is None:
            if not is_public("/" + route):
                missing.append(f"/{route} needs {unknown}")
        else:
            urls.append(url)
    return urls, missing


def admin_urls() -> list[str]:
    """The admin's index, app pages and every registered model's pages."""
    urls = [reverse("admin:index")]
    seen_apps = set()
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in seen_apps:
            seen_apps.add(meta.app_label)
            urls.append(reverse("admin:app_list", args=[meta.app_label]))
        name = f"admin:{meta.app_label}_{meta.model_name}"
        urls += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for page in ("change", "history", "delete"):
                urls.append(reverse(f"{name}_{page}", args=[first.pk]))
    return urls


def _no_samples(route: str, name: str) -> None:
    return None


def concrete_urls(samples: Samples = _no_samples) -> list[str]:
    """Every URL of the portal, parameters filled from `samples` where possible."""
    urls, _missing = route_urls(samples)
    return sorted(set(urls + admin_urls()))


def staff_urls(samples: Samples) -> tuple[list[str], list[str]]:
    """Every non-public URL outside the admin, and the routes that were not filled."""
    urls, missing = route_urls(samples)
    return sorted({url for url in urls if not is_public(url)}), missing

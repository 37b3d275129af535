"""Walk the URL resolver and turn every pattern into concrete URLs to request.

Used by the CSRF test and the authorization matrix so that a URL added later is
covered without anyone remembering to list it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

# URLs anyone may open: the citizen side, sign-in, language, health, static files.
PUBLIC_PREFIXES = ("/s/", "/accounts/", "/i18n/", "/healthz", "/static/", "/media/")
PUBLIC_EXACT = ("/",)

_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def walk_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, object]]:
    """(route text from the root, view callback) for every pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk_patterns(pattern, text)
        elif isinstance(pattern, URLPattern):
            yield text, pattern.callback


def is_public(url: str) -> bool:
    return url in PUBLIC_EXACT or url.startswith(PUBLIC_PREFIXES)


def _route_urls(samples: dict[str, str]) -> tuple[list[str], list[str]]:
    """Concrete URLs for path() routes outside the admin, and routes not fillable."""
    urls, missing = [], []
    for route, _callback in _non_admin_routes(get_resolver()):
        names = [m["name"] for m in _PARAMETER.finditer(route)]
        unknown = [name for name in names if name not in samples]
        if unknown:
            missing.append(f"/{route} needs {unknown}")
            continue
        urls.append("/" + _PARAMETER.sub(lambda m: str(samples[m["name"]]), route))
    return urls, missing


def _non_admin_routes(resolver: URLResolver, prefix: str = "", plain: bool = True):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) == "admin":
                continue
            inner_plain = plain and isinstance(pattern.pattern, RoutePattern)
            yield from _non_admin_routes(
                pattern, prefix + str(pattern.pattern), inner_plain
            )
        elif isinstance(pattern.pattern, RoutePattern) and plain:
            yield prefix + str(pattern.pattern), pattern.callback


def admin_urls() -> list[str]:
    """The admin's index, app pages and every registered model's pages."""
    urls = [reverse("admin:index")]
    seen_apps = set()
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in seen_apps:
            seen_apps.add(meta.app_label)
            urls.append(reverse("admin:app_list", args=[meta.app_label]))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for name in ("change", "history", "delete"):
                urls.append(
                    reverse(
                        f"admin:{meta.app_label}_{meta.model_name}_{name}",
                        args=[first.pk],
                    )
                )
    return urls


def concrete_urls(samples: dict[str, str] | None = None) -> list[str]:
    """Every URL of the portal, parameters filled from `samples` where possible."""
    urls, _missing = _route_urls(samples or {})
    return sorted(set(urls + admin_urls()))


def staff_urls(samples: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every non-public URL, and the routes that could not be filled in."""
    urls, missing = _route_urls(samples)
    staff = [url for url in urls if not is_public(url)] + admin_urls()
    return sorted(set(staff)), missing

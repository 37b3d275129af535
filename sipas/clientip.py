"""The client's address: one function for the survey rate limit, django-axes and
the audit log.

Behind nginx every request comes from the proxy's address; the citizen's is in
X-Forwarded-For, which nginx appends to. Only a request whose REMOTE_ADDR is one
of settings.TRUSTED_PROXIES (addresses or networks) may name another client, and
then only through the hops it and the other trusted proxies appended: the header
is read from the right, skipping trusted proxies, and the first other address is
the client. Anything further left was written by the client and could be forged to
escape a limit or to frame someone else.

The header is parsed by python-ipware (django-ipware's engine: IPv6, brackets,
ports, RFC 7239 elements). Its own proxy_list is a positional chain of proxies
matched against the header alone and never looks at REMOTE_ADDR, which is the
one hop nobody can forge, so the trust walk is done here.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from python_ipware.modern.parsers import parse_ip, split_proxy_chain

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks of TRUSTED_PROXIES ("127.0.0.1", "10.0.0.0/8", "::1")."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            )
    return tuple(networks)


def _trusted(ip, networks: tuple[Network, ...]) -> bool:
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as text ("" when the request has none)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    remote_ip = parse_ip(remote)
    if remote_ip is None or not networks or not _trusted(remote_ip, networks):
        return remote
    chain = split_proxy_chain(request.META.get("HTTP_X_FORWARDED_FOR", "")) or []
    for hop in reversed(chain):
        if not _trusted(hop, networks):
            return str(hop)
    # Every hop is a proxy of ours (a health check from the proxy host itself).
    return str(chain[0]) if chain else remote

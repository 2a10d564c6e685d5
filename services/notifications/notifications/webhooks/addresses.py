"""Which webhook URLs and which addresses notifications may connect to (OWASP API7, SSRF).

A subscriber names the URL; notifications connects to it from inside the network. Outside the
sandbox a URL must be ``https``, carry no credentials, and its host must resolve only to public
addresses: never loopback, private (RFC 1918, ULA), link-local (169.254/16, where cloud metadata
answers), carrier-grade NAT, multicast, reserved or unspecified addresses, nor an IPv4 address
dressed as IPv6 (mapped, 6to4, Teredo, NAT64). The URL is checked when subscribing, and every
address is checked again at each connection (``guarded_transport``), so a name that later
resolves elsewhere (DNS rebinding) is refused too. In the sandbox ``http`` and local addresses
are allowed, so a developer's receiver on their own machine works.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# 100.64/10 (carrier-grade NAT) is neither private nor global to ``ipaddress``: refused explicitly.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_URL_LENGTH = 2000


class WebhookUrlRefused(ValueError):
    """A webhook URL or address notifications will not connect to; the message says why."""


def public_address(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (and hides no IPv4 address that is not)."""
    if isinstance(address, ipaddress.IPv6Address):
        teredo_client = address.teredo[1] if address.teredo else None
        if address.ipv4_mapped or address.sixtofour or teredo_client or address in _NAT64:
            return False
    elif address in _SHARED:
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def check_address(address: str, *, sandbox: bool) -> None:
    """Refuse a resolved address outside the sandbox unless it is public."""
    if sandbox:
        return
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError as exc:
        raise WebhookUrlRefused(f"{address!r} is not an IP address.") from exc
    if not public_address(parsed):
        raise WebhookUrlRefused(
            f"The address {parsed} is not public (loopback, private, link-local or reserved)."
        )


def check_webhook_url(url: str, *, sandbox: bool) -> str:
    """The URL's host, or ``WebhookUrlRefused``: its shape, scheme and (when it is an IP literal)
    its address. A host name is resolved and checked at each connection (``guarded_transport``)."""
    if len(url) > MAX_URL_LENGTH:
        raise WebhookUrlRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused(f"Not a URL: {exc}.") from exc
    allowed = ("https", "http") if sandbox else ("https",)
    if parts.scheme not in allowed:
        raise WebhookUrlRefused(
            "Only https URLs receive webhooks."
            if not sandbox
            else "Only http and https URLs receive webhooks."
        )
    if not parts.hostname:
        raise WebhookUrlRefused("The URL names no host.")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("The URL carries credentials; authenticate with the signature instead.")
    if parts.fragment:
        raise WebhookUrlRefused("The URL has a fragment, which is never sent.")
    if port == 0:
        raise WebhookUrlRefused("Port 0 is not a port.")
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if not sandbox and (host == "localhost" or host.endswith((".localhost", ".local", ".internal"))):
            raise WebhookUrlRefused(f"{host} is a local name.") from None
        return host
    check_address(str(literal), sandbox=sandbox)
    return host

"""Only public addresses: what every outgoing fetch may connect to.

A feed item, an OPML file or an operator's typo could point briefbot at the
machine it runs on or at its network (``127.0.0.1``, ``169.254.169.254``,
``[::1]``, ``2130706433``, a name that resolves inward, a public URL that
redirects inward). Checking the URL's text is not enough, so the check sits
where connections are made: ``PublicOnlyBackend`` resolves the host itself,
refuses every address that is not global, and connects to the address it
checked (never resolving twice, so a name cannot change its answer between
the check and the connect). Every redirect hop opens its connection here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import SplitResult, urlsplit

import httpcore

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressError(httpcore.ConnectError):
    """The host is, or resolves only to, an address that is not public."""


def is_public(address: Address) -> bool:
    """Global unicast, also when an IPv6 address carries an IPv4 one inside."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def refusal(address: str) -> str:
    """The one line a refused fetch records in the feed's health."""
    return f"refused: {address} is not a public address"


def split_url(url: str) -> SplitResult | None:
    """The URL's parts, or None when it cannot be parsed (a bad IPv6 literal, say)."""
    with contextlib.suppress(ValueError):
        return urlsplit(url)
    return None


def literal_address(host: str) -> Address | None:
    """The address a host names by itself, in any spelling a resolver accepts
    (``127.0.0.1``, ``[::1]``, ``2130706433``, ``0x7f.0.0.1``), else None."""
    host = host.strip("[]")
    with contextlib.suppress(ValueError):  # not an address in standard notation
        return ipaddress.ip_address(host)
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def url_refusal(url: str) -> str | None:
    """Why the URL's own text names an internal host (no DNS), or None."""
    parts = split_url(url)
    if parts is None:
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return refusal(host)
    address = literal_address(host)
    if address is not None and not is_public(address):
        return refusal(str(address))
    return None


async def resolve_refusal(url: str) -> str | None:
    """Like ``url_refusal``, and also when the host's name resolves only inward.
    A name that does not resolve now is not refused (the fetch will say why)."""
    if found := url_refusal(url):
        return found
    try:
        host = urlsplit(url).hostname or ""
        async with asyncio.timeout(5):
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
    except (OSError, ValueError, UnicodeError, TimeoutError):
        return None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if addresses and not any(is_public(a) for a in addresses):
        return refusal(str(addresses[0]))
    return None


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """A network backend that connects only to addresses ``allowed`` accepts."""

    def __init__(self, allowed: Callable[[Address], bool] = is_public) -> None:
        self._allowed = allowed
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        candidates = await self._resolve(host, port, timeout)
        allowed = [a for a in candidates if self._allowed(a)]
        if not allowed:
            raise PrivateAddressError(refusal(str(candidates[0])))
        last: Exception | None = None
        for address in allowed:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise PrivateAddressError("refused: a local socket is not a public address")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def _resolve(self, host: str, port: int, within: float | None) -> list[Address]:
        if (address := literal_address(host)) is not None:
            return [address]
        try:
            async with asyncio.timeout(within):
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no answer resolving {host}") from None
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        found: list[Address] = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if address not in found:
                found.append(address)
        if not found:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        return found

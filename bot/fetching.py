"""Reading a calendar feed from a URL a host texted us: someone else's URL, so an attack surface.

Only http(s); never a loopback, private, link-local or cloud-metadata address (unless
`calendar.allow_private_addresses`, which still refuses link-local and metadata ones), checked on the
addresses the name resolves to before every hop, and again by the connector's own resolver on the address
it connects to (a name that resolves differently the second time gains nothing); redirects followed by hand
so each target is checked; at most `MAX_BYTES` read and `timeout` seconds for the whole read.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# Why a read failed, in words a host is told (`calendar_problem_<why>` in the message catalog).
FetchProblem = Literal["scheme", "address", "unreachable", "timeout", "too_large", "status", "redirects",
                       "malformed"]


class FetchFailed(Exception):
    def __init__(self, why: FetchProblem, detail: str = "") -> None:
        super().__init__(f"{why}: {detail}" if detail else why)
        self.why: FetchProblem = why


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the validators sent (HTTP 304)
    etag: str | None
    last_modified: str | None


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def forbidden(address: Address, allow_private: bool) -> bool:
    """Whether a feed may not be read from this address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # Link-local covers 169.254.169.254, the metadata service of most clouds: refused whatever the setting.
    if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
        return True
    if allow_private:
        return False
    return address.is_loopback or address.is_private or not address.is_global


def check_url(url: str) -> str:
    """The URL's host, if it is an http(s) URL with one; else FetchFailed("scheme")."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchFailed("scheme", url)
    return parts.hostname


class _GuardedResolver(AbstractResolver):
    """The connector's resolver: the default one, with every forbidden address refused."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = DefaultResolver()
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if forbidden(ipaddress.ip_address(result["host"]), self._allow_private):
                raise FetchFailed("address", host)
        return results

    async def close(self) -> None:
        await self._inner.close()


async def _check_host(host: str, allow_private: bool) -> None:
    """Every address the host names or resolves to is allowed; else FetchFailed("address")."""
    try:
        addresses: list[Address] = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as error:
            raise FetchFailed("unreachable", str(error)) from error
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or any(forbidden(address, allow_private) for address in addresses):
        raise FetchFailed("address", host)


async def fetch(url: str, *, etag: str | None, last_modified: str | None, seconds: float,
                allow_private: bool) -> Fetched:
    """Read a feed within `seconds`, conditionally (If-None-Match / If-Modified-Since when validators are
    known)."""
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": "Airtng-calendar/1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    connector = aiohttp.TCPConnector(resolver=_GuardedResolver(allow_private), use_dns_cache=False)
    try:
        async with asyncio.timeout(seconds), aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=seconds)) as session:
            return await _follow(session, url, headers, allow_private)
    except TimeoutError as error:
        raise FetchFailed("timeout") from error
    except aiohttp.ClientError as error:
        raise _cause(error) from error
    except OSError as error:
        raise FetchFailed("unreachable", str(error)) from error


def _cause(error: BaseException) -> FetchFailed:
    """The connector's resolver refusal travels inside aiohttp's own error: find it."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, FetchFailed):
            return seen
        seen = seen.__cause__ or seen.__context__
    return FetchFailed("unreachable", type(error).__name__)


async def _follow(session: aiohttp.ClientSession, url: str, headers: dict[str, str],
                  allow_private: bool) -> Fetched:
    for _ in range(MAX_REDIRECTS + 1):
        await _check_host(check_url(url), allow_private)
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in _REDIRECTS and "Location" in response.headers:
                url = urljoin(url, response.headers["Location"])
                continue
            return await _read(response)
    raise FetchFailed("redirects")


async def _read(response: aiohttp.ClientResponse) -> Fetched:
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    if response.status == 304:
        return Fetched(None, etag, modified)
    if response.status != 200:
        raise FetchFailed("status", str(response.status))
    if (response.content_length or 0) > MAX_BYTES:
        raise FetchFailed("too_large")
    body = bytearray()
    async for chunk in response.content.iter_chunked(65536):
        body += chunk
        if len(body) > MAX_BYTES:
            raise FetchFailed("too_large")
    return Fetched(bytes(body), etag, modified)

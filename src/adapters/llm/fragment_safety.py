"""What a fragment may be: its source recorded without credentials, its size bounded, and which hosts a URL may
reach (fragment_fetch: the fetch itself)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from writeit.domain.errors import InputInvalidError, Problem

# A fragment is notes or a document, not a disk image: refuse a local file past this before reading it.
FILE_LIMIT = 4 * 1024 * 1024
TOTAL_LIMIT = 4 * FILE_LIMIT  # all of a pipeline's fragments together: each is in every prompt that uses them
FIELD = "fragments"
_SENSITIVE = re.compile(r"token|key|signature|password|secret|auth", re.IGNORECASE)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_internal(ip: Address) -> bool:
    """This machine or a network behind it: what a server must not fetch for a client."""
    return ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_unspecified or ip.is_reserved


def redacted(source: str) -> str:
    """`source` without a URL's userinfo, and with sensitive query values (`?token=`, `X-Amz-Signature=`) hidden."""
    if not source.startswith(("http://", "https://")):
        return source
    parts = urlsplit(source)
    host = parts.netloc.rpartition("@")[2]
    query = [(n, "REDACTED" if _SENSITIVE.search(n) else v) for n, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(netloc=host, query=urlencode(query, safe="/:")))


def refused(ref: str, message: str) -> InputInvalidError:
    return InputInvalidError([Problem(f"'{redacted(ref)}': {message}", field=FIELD)])


def check_size(ref: str, content: str, total: int) -> int:
    """The running total with `content` added, refusing a fragment or a set of fragments past its limit."""
    size = len(content.encode())
    if size > FILE_LIMIT:
        raise refused(ref, f"is over {FILE_LIMIT} bytes, the most a fragment may be")
    if total + size > TOTAL_LIMIT:
        raise refused(ref, f"takes the fragments over {TOTAL_LIMIT} bytes, the most they may be together")
    return total + size

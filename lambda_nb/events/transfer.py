"""AWS Transfer Family custom identity provider (Lambda authorizer)."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events._common import source_ip as pick_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("transfer.authorizer", tier=3)
def authorizer(
    g: Gen,
    username: str = "jane.doe",
    password: str | None = "correct horse battery staple",
    protocol: Literal["SFTP", "FTP", "FTPS"] = "SFTP",
    server_id: str | None = None,
    source_ip: str | None = None,
) -> dict[str, Any]:
    """Transfer Family identity provider call; no password means SSH-key authentication."""
    out: dict[str, Any] = {"username": username}
    if password is not None:
        out["password"] = password
    out.update(
        protocol=protocol,
        serverId=server_id or "s-" + g.hex(17),
        sourceIp=pick_ip(g, source_ip),
    )
    return out

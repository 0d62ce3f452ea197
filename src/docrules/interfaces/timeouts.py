"""The service's HTTP protocol: uvicorn's h11 protocol, closing a new connection that has not sent its
request head in time. uvicorn times out idle keep-alive connections but waits for ever on a first head
(slowloris). A module of its own, at top level, so that uvicorn's worker processes can import it."""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .server import HEADER_SECONDS


class HeaderTimeout(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(HEADER_SECONDS, self._head_late)

    def _head_late(self) -> None:
        if self.conn.their_state is h11.IDLE and self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_timer.cancel()
        super().connection_lost(exc)

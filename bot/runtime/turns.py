"""Turns at the commands' one SQLite connection: a chat's first update of a burst first.

On a SQLite file, people's commands share one connection (``storage.db.command_sessions``),
so their transactions run one after another. They were taken in the order they asked,
so someone who sent /story while a crowd's chats were on their third and fourth commands
waited for every one of those chats' transactions, three times over (the update's id,
the chat's language, the command). ``TakingTurns`` is that session factory with its
``begin()`` taking a turn first: waiting transactions go by their update's place in
its chat's burst (``PLACE``, set by the update processor: 0 for a chat's first update
in a while, 1 for its second...), then in the order they came. With nobody waiting, a
turn is taken at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# The place of the update being handled in its chat's burst (0 outside any update).
PLACE: ContextVar[int] = ContextVar("PLACE", default=0)


class Turns:
    """A lock whose waiters go by rank, then arrival."""

    def __init__(self) -> None:
        self._held = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def acquire(self, rank: int) -> None:
        if not self._held and not self._waiters:
            self._held = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (rank, next(self._arrivals), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # handed the turn, then cancelled
                self.release()
            raise

    def release(self) -> None:
        """Hand the turn to the first waiter still waiting, or free it."""
        while self._waiters:
            future = heapq.heappop(self._waiters)[2]
            if not future.done():
                future.set_result(None)  # the turn passes on, still held
                return
        self._held = False


class _Turn:
    """``begin()``'s context manager, inside a turn."""

    def __init__(self, turns: Turns, inner: Any) -> None:
        self._turns, self._inner = turns, inner

    async def __aenter__(self) -> AsyncSession:
        await self._turns.acquire(PLACE.get())
        try:
            session: AsyncSession = await self._inner.__aenter__()
        except BaseException:
            self._turns.release()
            raise
        return session

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._inner.__aexit__(kind, error, traceback)
        finally:
            self._turns.release()


class TakingTurns(async_sessionmaker[AsyncSession]):
    """``sessions`` whose ``begin()`` waits for its turn (see the module doc)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(class_=sessions.class_, **sessions.kw)
        self.turns = Turns()

    def begin(self) -> Any:
        return _Turn(self.turns, super().begin())

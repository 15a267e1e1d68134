"""The overall pace of the rate limiter: even grants under a one-second ceiling, and how
many requests may be under way (see ``bot.delivery.limiter`` for the whole picture).

The adaptive in-flight limit is the broadcast's: it keeps the bulk of sends from
queueing in the HTTP client. Replies to people have slots of their own
(``REPLIES_IN_FLIGHT``) and do not teach the broadcast's limit (they go on
python-telegram-bot's slower path), so a crowd's replies are never held to the two
or three requests a broadcast needs against a server next door, and a broadcast
send may go while every reply slot is taken. Both kinds count against the
one-second ceiling.

Waiting replies go by their ``rank`` (the limiter gives a reply its place in its
chat's burst: 0 for a chat's first, 1 for its second...), then in the order they came:
a chat's first answer goes ahead of another chat's third, whoever asked first.
Broadcasts go in the order they came."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Waiter = tuple[int, int, "asyncio.Future[None]"]  # rank, arrival, the grant to come

# How far behind its schedule the overall pace may catch up (a busy event loop, a
# garbage collection, a slow answer), within the one-second ceiling.
CATCH_UP_SECONDS = 0.25
WINDOW = 1.0  # the overall limit holds in any window of this many seconds
EPSILON = 1e-9
# Requests in flight: never more than PTB's connection pool holds, and never fewer than
# two, so that the next request is being made while one is answered. Against a server next
# door, more than a few only queue: every request then costs the process more work.
IN_FLIGHT_LOW, IN_FLIGHT_HIGH = 2, 256
FAST_ANSWER = 1.1  # an answer at most this many times the fastest recent one: room for more
SLOW_ANSWER = 2.0  # an answer this many times slower than the fastest recent one: queueing
FASTEST_PERIOD = 10.0  # seconds over which the fastest answer is remembered
# Replies under way at once: enough for a crowd at any rate a bot may have, few enough
# that PTB's HTTP client does not spend more on its pool than on the requests.
REPLIES_IN_FLIGHT = 16


class InFlight:
    """How many requests are under way and how many may be (see the module doc)."""

    def __init__(self, low: int = IN_FLIGHT_LOW, high: int = IN_FLIGHT_HIGH) -> None:
        self.low, self.high = low, high
        self.limit = float(low)
        self.count = 0
        self._fastest = [math.inf, math.inf]  # this period's fastest answer, the last period's
        self._period_ends = -math.inf

    @property
    def full(self) -> bool:
        return self.count >= int(self.limit)

    def answered(self, seconds: float, now: float) -> None:
        """A request took ``seconds``: one more under way if it was about as fast as the
        fastest, one fewer if it took twice as long."""
        if now >= self._period_ends:
            self._fastest = [math.inf, self._fastest[0]]
            self._period_ends = now + FASTEST_PERIOD
        self._fastest[0] = min(self._fastest[0], seconds)
        fastest = min(self._fastest)
        if seconds <= FAST_ANSWER * fastest:
            self.limit = min(float(self.high), self.limit + 1)
        elif seconds > SLOW_ANSWER * fastest:
            self.limit = max(float(self.low), self.limit - 1)


class OverallGate:
    """Grants sends at ``rate()`` per second, replies (priority 0) before broadcasts, each
    kind while fewer than its in-flight limit are under way; ``release`` after each."""

    def __init__(self, rate: Callable[[], float], clock: Clock, sleep: Sleep) -> None:
        self._rate = rate
        self._clock = clock
        self._sleep = sleep
        # Waiters by priority (replies, then broadcasts): heaps by rank, then arrival.
        self._waiters: tuple[list[Waiter], list[Waiter]] = ([], [])
        self._arrivals = itertools.count()
        self._under_way = 0  # every granted request not answered yet, of both kinds
        self._next = 0.0
        self.in_flight = InFlight()  # the broadcast's, adapting to the answers
        self.replies = InFlight(REPLIES_IN_FLIGHT, REPLIES_IN_FLIGHT)
        self._answered: deque[float] = deque()  # answers of the last WINDOW seconds
        self._freed: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return sum(len(w) for w in self._waiters)

    def _slots(self, priority: int) -> InFlight:
        return self.in_flight if priority else self.replies

    async def acquire(self, priority: int, rank: int = 0) -> None:
        """Wait for a grant; ``priority`` 0 (a reply) goes first, and among one priority's
        waiters the lowest ``rank``, then the earliest."""
        if not self.waiting and not self._slots(priority).full:
            now = self._clock()
            if self._next - now <= EPSILON and self._ceiling(now) == 0.0:  # go now
                self._grant(now, priority, catch_up=0.0)
                return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters[min(priority, 1)], (rank, next(self._arrivals), future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._dispatch())
        elif self._freed is not None:  # the dispatcher may wait for the other kind's slots
            self._freed.set()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # granted, then cancelled: unused
                self.release(None, priority)
            raise

    def release(self, seconds: float | None, priority: int) -> None:
        """A granted request is over (``seconds``: how long it took; None: never made)."""
        self._under_way -= 1
        self._slots(priority).count -= 1
        if seconds is not None:
            now = self._clock()
            self._answered.append(now)
            if priority:  # replies take PTB's slower path: they teach the broadcast nothing
                self.in_flight.answered(seconds, now)
        if self._freed is not None:
            self._freed.set()

    def _ready(self) -> int | None:
        """The kind to grant next: replies first, each only while it has a slot free."""
        for priority, waiters in enumerate(self._waiters):
            while waiters and waiters[0][2].done():  # the waiter was cancelled
                heapq.heappop(waiters)
            if waiters and not self._slots(priority).full:
                return priority
        return None

    def _pump(self) -> float | None:
        """Grant waiters while the schedule and the in-flight limits allow; the seconds
        until the next slot, or None when nobody waits or the limits are reached."""
        while (priority := self._ready()) is not None:
            now = self._clock()
            ceiling = self._ceiling(now)
            if ceiling is None:  # all of the window is under way: wait for an answer
                return None
            wait = max(self._next - now, ceiling)
            if wait > EPSILON:
                return wait
            future = heapq.heappop(self._waiters[priority])[2]
            self._grant(now, priority, catch_up=CATCH_UP_SECONDS)
            future.set_result(None)
        return None

    async def _dispatch(self) -> None:
        self._next = max(self._next, self._clock())  # idle time is not caught up on
        while self.waiting:
            wait = self._pump()
            if wait is not None:
                await self._sleep(wait)
            elif self.waiting:  # as many under way as may be: wait for one to end
                if self._freed is None:
                    self._freed = asyncio.Event()
                self._freed.clear()
                await self._freed.wait()

    def _ceiling(self, now: float) -> float | None:
        """Seconds until one more request fits in the one-second ceiling (0: now; None:
        once a request under way is answered)."""
        answered = self._answered
        while answered and answered[0] <= now - WINDOW:
            answered.popleft()
        if self._under_way + len(answered) < max(1, int(self._rate() + EPSILON)):
            return 0.0
        # A hair past the second, so that a clock read rounded down never grants early.
        return answered[0] + WINDOW - now + EPSILON if answered else None

    def _grant(self, now: float, priority: int, catch_up: float) -> None:
        """Count a send as under way and move the schedule on by one interval; a schedule
        behind ``now`` stays behind by at most ``catch_up`` (or one interval), which the
        next grants make up at once."""
        self._under_way += 1
        self._slots(priority).count += 1
        interval = 1.0 / self._rate()
        self._next = max(self._next, now - max(interval, catch_up)) + interval

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for waiters in self._waiters:
            for _, _, future in waiters:
                future.cancel()
            waiters.clear()

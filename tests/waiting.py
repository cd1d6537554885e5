"""Waiting for what the appliance does just after it answers, instead of racing it.

A new chat is routed after the visitor's send is answered (services/participants.route_soon),
and the bot's model replies after the ack (services/bot_chat.reply_soon): a test that reads
their outcome right after the answer reads too early on a slow machine."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    """`check()` once it is truthy, polled every 50 ms; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what}: not met in {timeout} s"
        time.sleep(0.05)
    return found


def routing_done(timeout: float = 10.0) -> None:
    """Every chat handed to people so far has been routed (the appliances of the tests run in
    this process): a check that a chat was *not* assigned is meaningful only after this."""
    from appliance.services import bot_chat, participants

    def pending() -> list[object]:
        # The routing tasks of sends, hand-overs and votes; the bot's late replies, which
        # route the chat when they hand it over.
        tasks = [*participants._routing_tasks, *bot_chat._tasks]
        return [task for task in tasks if not task.done()]

    wait_until(lambda: not pending(), timeout, "routing after the answer")

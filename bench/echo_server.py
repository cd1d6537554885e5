"""The baseline for bench/relay.py: a bare WebSocket echo server in its own process.

`websockets` (asyncio implementation) on uvloop, no compression. Listens on 127.0.0.1, port
chosen by the kernel, prints `listening on PORT` and echoes every frame back until SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sys

import uvloop
from websockets.asyncio.server import ServerConnection, serve


def raise_nofile() -> None:
    """As many open files as the hard limit allows (each socket is one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def echo(ws: ServerConnection) -> None:
    async for message in ws:  # ends when the peer closes
        await ws.send(message)


def stop() -> None:
    """No state to keep: end at once instead of closing thousands of sockets politely."""
    sys.stdout.flush()
    os._exit(0)


async def main() -> None:
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
    server = await serve(echo, "127.0.0.1", 0, compression=None, backlog=1024,
                         max_size=65_536)
    port = next(iter(server.sockets)).getsockname()[1]
    print(f"listening on {port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    raise_nofile()
    uvloop.run(main())

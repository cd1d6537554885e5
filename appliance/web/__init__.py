"""HTTP and WebSocket: the Sanic app (composition root), thin handlers, wire formats."""

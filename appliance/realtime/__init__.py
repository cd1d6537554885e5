"""Real-time: open sockets, what each one should hear, and ending them when access ends."""

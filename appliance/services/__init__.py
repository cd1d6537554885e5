"""Use cases: validate input, change state through storage, publish events after commit."""

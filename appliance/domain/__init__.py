"""Pure rules and data types; standard library only, no clock or randomness of its own."""

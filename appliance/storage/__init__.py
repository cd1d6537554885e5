"""Storage: the only layer that imports peewee or apsw."""

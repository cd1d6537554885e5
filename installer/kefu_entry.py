"""Entry point of the packaged executable: `kefu` with its arguments, desktop mode without."""

from appliance.cli import main

# Guarded: the writer process (multiprocessing spawn) imports this module again as
# `__mp_main__`, and must not start another appliance.
if __name__ == "__main__":
    raise SystemExit(main())

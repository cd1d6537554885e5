"""Entry point of the packaged executable: `kefu` with its arguments, desktop mode without."""

from appliance.cli import main

raise SystemExit(main())

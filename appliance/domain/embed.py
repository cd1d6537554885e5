"""The snippet a website pastes to show the chat widget."""

from __future__ import annotations

import json

SNIPPET_TEMPLATE = """<!-- Kefu live chat -->
<script>
(function(w,d,u,k){{w.kefu=w.kefu||function(){{(w.kefu.q=w.kefu.q||[]).push(arguments)}};
var s=d.createElement("script");s.async=true;s.src=u+"/embed.js";s.setAttribute("data-kefu-site",k);
(d.head||d.body).appendChild(s)}})(window,document,{base},{key});
</script>"""


def embed_snippet(base_url: str, widget_key: str) -> str:
    """The HTML to paste before </body>; values are JSON-encoded so they cannot break out."""
    base = json.dumps(base_url.rstrip("/")).replace("<", "\\u003c")
    key = json.dumps(widget_key).replace("<", "\\u003c")
    return SNIPPET_TEMPLATE.format(base=base, key=key)

"""The local web chat of ``coopbot demo``: the Starlette app (``app``), the page's input
(``input``), events pushed to open pages (``hub``), uploaded and sent files (``files``), the
page's own texts (``strings``), and the page itself (``static/``)."""

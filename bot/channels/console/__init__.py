"""``coopbot shell``: the same conversations in a terminal (``shell``)."""

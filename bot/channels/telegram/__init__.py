"""Telegram: updates in (``convert``), Bot API calls out (``render``), the channel and its
error handler (``channel``), and coopbot's own long-polling loop (``polling``)."""

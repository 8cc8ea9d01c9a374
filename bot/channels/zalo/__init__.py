"""Zalo Official Account: signed webhook events in (``convert``), OA messages out (``render``,
``send``), the HTTP client and its error mapping (``client``), the rotating tokens
(``tokens``), and the channel that ties them together (``channel``); see docs/zalo.md."""

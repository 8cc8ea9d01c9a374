"""One module per conversation flow, each with an explicit step enum."""

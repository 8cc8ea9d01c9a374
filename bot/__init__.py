"""coopbot runtime: settings, channels, scheduler, outbox sender and the CLI."""

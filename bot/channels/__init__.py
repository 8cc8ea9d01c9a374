"""Channel adapters: turn platform events into ``Incoming`` and ``Reply`` lists into messages."""

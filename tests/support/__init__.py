"""Helpers shared by test modules: processes, ports, button presses, recording senders."""

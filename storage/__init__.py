"""The domain store: tables, the rules that guard them, queries and migrations.

Nothing here knows about chat platforms.
"""

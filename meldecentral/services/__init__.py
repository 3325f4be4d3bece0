"""Use cases. Each owns its transaction and records events in the outbox in that transaction."""

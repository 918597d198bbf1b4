"""PostgreSQL adapters: the event store with its global log, projections, snapshots and the response cache."""

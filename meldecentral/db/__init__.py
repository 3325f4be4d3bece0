"""Persistence plumbing, below the services: the worker's unit of work (``tx``), recording
events in the transactional outbox (``outbox``), many-row inserts (``bulk``), and the
SQLite and PostgreSQL connection settings (``sqlite``, ``postgres``). No use case lives here."""

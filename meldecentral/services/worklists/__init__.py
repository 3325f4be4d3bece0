"""What staff work from: the triage queue, inboxes and report lists (``queues``), and the
district statistics kept current (``stats``)."""

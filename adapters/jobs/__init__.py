"""Job execution adapters: the in-process queue and worker pool, and the record codec."""

"""I/O into the stores: a monitor per server (REST listing and polls), the stream manager and its
workers (live events), the supervision of both."""

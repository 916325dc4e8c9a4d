"""The ``dgs`` sub-commands, one module per family; each imports what it needs when run."""

EXIT_OK = 0
EXIT_FAILED = 1  # invalid lesson, lesson not found
EXIT_BAD_INPUT = 2  # unreadable file, not JSON, bad option or setting
EXIT_UNAVAILABLE = 3  # the store did not answer

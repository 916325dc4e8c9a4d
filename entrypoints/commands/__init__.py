"""The ``dgs`` sub-commands, one module per family; each imports what it needs when run.

The exit codes below are a contract: the README lists which ones each command uses.
"""

EXIT_OK = 0
EXIT_FAILED = 1  # invalid lesson, lesson not found
EXIT_BAD_INPUT = 2  # unreadable file, not JSON, bad option or setting
EXIT_UNAVAILABLE = 3  # the store did not answer or is unusable; serve: cannot listen
EXIT_PROVIDER = 4  # the model provider failed; a watched job failed (its code shown)
EXIT_CANCELED = 5  # a watched job ended canceled
# As a shell reports a process ended by the signal (128 + its number): SIGINT is 2.
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_BROKEN_PIPE = 141  # standard output closed early (`dgs ... | head`); SIGPIPE is 13

"""Amazon SQS: the job queue between the API and the workers (``dgs worker``, Lambda)."""

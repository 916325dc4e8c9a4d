"""Lambda event translation (SQS event records for the job worker)."""

"""The DynamoDB store: one table, keys by prefix (see ``keys``), aioboto3 underneath."""

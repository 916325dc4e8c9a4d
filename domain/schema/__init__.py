"""JSON Schemas of the lesson: for DLE tooling, and for providers' structured output."""

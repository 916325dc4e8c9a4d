"""Model providers: openai-agents agents over OpenAI-compatible APIs, and the offline provider."""

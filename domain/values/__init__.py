"""Values own their rules: each value a request carries is defined once, with its check.

The wire schemas (msgspec limits and patterns), the use cases, the CLI and the docs all
read these names, so a limit or an accepted value is written in exactly one place:

- ``lines``: a topic, a tag, a title (one line of text; lengths, how many tags);
- ``catalog_version``: the supported catalog versions and the default one;
- ``constraints``: learner levels, lengths, modes and languages a generation may ask for.

Each module is plain Python (no pydantic, no framework): the CLI reads them at start-up.
"""

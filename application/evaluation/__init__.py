"""Evaluation and estimates: running topics through the pipeline and the arithmetic of reports.

Pure Python over the application's ports: what a run produced (``outcome``), how runs are
observed (``tracing``) and scheduled within a budget (``runner``), the figures of a
configuration (``summary``, ``stats``) and of a whole report (``report``), and the token
arithmetic behind estimates (``token_model``, ``history``).
"""

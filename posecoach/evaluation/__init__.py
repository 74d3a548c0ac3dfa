"""Scoring the engine against labelled clips: ``score`` (labels, matching, summaries), ``run``
(running the clips through the app) and ``report`` (Markdown and JSON of the scores)."""

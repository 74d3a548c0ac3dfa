"""The session store: every session in a local SQLite file (see ``posecoach.store.db``)."""

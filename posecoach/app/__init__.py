"""The application layer: what a user can ask posecoach to do, as plain functions the commands call.

``build`` makes the engine for an exercise, routine and profile; ``pipeline`` is the one loop that
turns frames (or a saved track's poses) into results, with sinks attached; ``analyze`` analyses a
video or a track; ``annotate`` writes the annotated replay; ``batch`` analyses a folder; ``live``
runs a live session. The command layer parses arguments, calls these and prints.
"""

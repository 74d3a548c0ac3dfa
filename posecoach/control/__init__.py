"""Hands-free control of a live set: spoken commands (``speech``), gestures read from the pose
(``gestures``), and the events both produce (``events``)."""

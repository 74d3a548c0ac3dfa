"""Everything a person sees: the overlay, the timeline strip, screens, the window, video files."""

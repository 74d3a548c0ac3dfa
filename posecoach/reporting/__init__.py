"""Reports a therapist reads: one self-contained HTML file per session or per person's progress."""

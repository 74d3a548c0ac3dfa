"""posecoach: a webcam form coach for lower-back exercises."""

__version__ = "0.1.0"

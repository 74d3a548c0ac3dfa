"""``python -m posecoach.synth``: see ``posecoach.synth.cli``."""

import sys

from posecoach.synth.cli import main

sys.exit(main())

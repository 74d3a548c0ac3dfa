import sys

try:
    from posecoach.cli import run
except KeyboardInterrupt:  # Ctrl-C while the command is still starting: no traceback for that
    sys.stderr.write("posecoach: stopped (Ctrl-C)\n")
    sys.exit(130)

run()

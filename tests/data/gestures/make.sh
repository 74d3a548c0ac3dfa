#!/bin/sh
# Re-render the gesture clips of tests/test_gestures_rendered.py from the choreographies beside
# this script: the synthetic performer (the synth extra) raises a hand and waves it, lying on the
# back or kneeling, filmed from the side. Small on purpose (320x240, 15 fps, H.264): tens of KB each.
#
#   tests/data/gestures/make.sh [NAME ...]      (default: every *.toml here)
#
# Run from anywhere; uses the worktree's .venv when there is one. Renders one clip at a time,
# niced, because a render keeps a CPU core busy.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
export PYOPENGL_PLATFORM=${PYOPENGL_PLATFORM:-egl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "$#" -eq 0 ]; then
    set -- $(cd "$here" && ls *.toml | sed 's/\.toml$//')
fi
for name in "$@"; do
    nice -n 10 "$python" -m posecoach.synth render "$here/$name.toml" -o "$tmp" --name "$name" \
        --width 320 --height 240 --fps 15 --codec h264
    mv "$tmp/$name.mp4" "$here/$name.mp4"
done

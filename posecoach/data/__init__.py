"""What posecoach reads at run time, shipped inside the package so that any install has it.

``exercise_specs`` (the exercise library, routines and example profiles) and ``models`` (the model
manifest) are links to the repository's top-level folders of the same names: those stay the place
people read and edit, and building a wheel copies their files in here. Read them through
:func:`data_dir`, never through paths relative to the source tree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_dir(name: str) -> Path:
    """The folder of packaged data ``name`` (``"exercise_specs"`` or ``"models"``) as a real path.

    posecoach is always installed unpacked (pip, pipx and editable installs all are), so the
    resource is a folder on disk; a zipped install is refused with a clear message."""
    root = resources.files(__name__)
    if not isinstance(root, Path):
        raise RuntimeError(f"posecoach's data is not on disk ({root}); install posecoach unpacked (pip install)")
    return (root / name).resolve()

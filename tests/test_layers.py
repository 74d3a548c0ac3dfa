"""The architecture, checked from the import statements of every module.

Layers, lowest first; a module may import its own layer and the ones below, never one above:

  0 foundation  errors, types, landmarks, jsonio, native, outputs, pain, data
  1 spec        spec.*, formats (the file formats), progression
  2 core        engine.*, features, framing, pose.*, track, sources.*, report, voice, talk
  3 render      render.*
  4 control     control.*  (the hands-free controls drive a window and a camera)
  5 app         app.*, routine, evaluation.*, reporting.*, store.*, history
  6 commands    commands.*, cli, __main__

Besides: only the command layer imports ``posecoach.commands`` (the library, the benchmarks and
the tests call the app instead), and engine, spec, features and framing import neither cv2 nor
mediapipe (at any depth: ``test_features`` imports them in a fresh interpreter to prove that).
Every import counts, those inside functions too: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "posecoach"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("errors", "types", "landmarks", "jsonio", "native", "outputs", "pain", "data")),
    ("spec", ("spec", "formats", "progression")),
    ("core", ("engine", "features", "framing", "pose", "track", "sources", "report", "voice", "talk")),
    ("render", ("render",)),
    ("control", ("control",)),
    ("app", ("app", "routine", "evaluation", "reporting", "store", "history")),
    ("commands", ("commands", "cli", "__main__")),
]
NO_CV = ("engine", "spec", "features", "framing")
#: The synthetic performer is a tool beside the product (its own extra), not a layer of it.
OUTSIDE = ("synth",)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts as ``a.b`` when that is a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def top(name: str) -> str | None:
    """The part of posecoach a module name belongs to (``posecoach.engine.session`` -> ``engine``)."""
    parts = name.split(".")
    return parts[1] if parts[0] == "posecoach" and len(parts) > 1 else None


def layer_of(part: str) -> int:
    for i, (_, parts) in enumerate(LAYERS):
        if part in parts:
            return i
    raise AssertionError(f"posecoach.{part} is in no layer: add it to LAYERS in {__file__}")


def product_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if top(module_name(p)) not in OUTSIDE)


def test_every_module_imports_only_its_own_layer_and_those_below() -> None:
    wrong = []
    for path in product_modules():
        part = top(module_name(path))
        if part is None:  # posecoach/__init__.py
            continue
        mine = layer_of(part)
        for name in imported(path):
            other = top(name)
            if other is None or other in OUTSIDE:
                continue
            if name.removeprefix("posecoach.").split(".")[0] not in {p for _, ps in LAYERS for p in ps}:
                continue  # ``from posecoach import __version__`` and the like
            if layer_of(other) > mine:
                wrong.append(f"{module_name(path)} ({LAYERS[mine][0]}) imports {name} ({LAYERS[layer_of(other)][0]})")
    assert not wrong, "\n".join(wrong)


def test_only_the_command_layer_imports_the_commands() -> None:
    files = [*product_modules(), *(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    wrong = []
    for path in files:
        name = module_name(path)
        if top(name) in ("commands", "cli", "__main__"):
            continue
        wrong += [f"{name} imports {m}" for m in imported(path) if m == "posecoach.commands" or m.startswith("posecoach.commands.")]
    assert not wrong, "\n".join(wrong)


def test_engine_spec_features_and_framing_import_no_cv2_nor_mediapipe() -> None:
    wrong = []
    for path in product_modules():
        if top(module_name(path)) in NO_CV:
            wrong += [f"{module_name(path)} imports {m}" for m in imported(path) if m.split(".")[0] in ("cv2", "mediapipe")]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("source, found", [
    ("from posecoach.app.pipeline import Analysis\n", {"posecoach.app.pipeline", "posecoach.app.pipeline.Analysis"}),
    ("def f():\n    import cv2\n", {"cv2"}),
])
def test_imports_are_read_from_every_statement(tmp_path: Path, source: str, found: set[str]) -> None:
    """The checks above see late imports inside functions as well as those at the top."""
    path = tmp_path / "m.py"
    path.write_text(source)
    assert imported(path) == found


def test_a_module_above_its_layer_is_caught(tmp_path: Path) -> None:
    """A renderer importing the app (as ``render.overlay`` once imported the pipeline) breaks the order."""
    path = tmp_path / "posecoach" / "render" / "bad.py"
    path.parent.mkdir(parents=True)
    path.write_text("from posecoach.app.pipeline import Step\n")
    name = module_name(path, tmp_path)
    assert top(name) == "render"
    assert any(layer_of(top(m) or "") > layer_of("render") for m in imported(path) if top(m))

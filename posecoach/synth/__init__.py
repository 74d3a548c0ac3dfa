"""Synthetic performer: ground-truth exercise videos rendered from a 3D body model.

Optional: needs the ``synth`` extra (torch, anny, pyrender; offscreen rendering through EGL).
The choreography and timeline modules are plain Python and always importable; the heavy
dependencies are imported only when a body is built or a clip rendered.
"""

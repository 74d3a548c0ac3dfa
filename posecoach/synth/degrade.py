"""Image degradations of a cheap webcam, applied to each rendered RGB frame (OpenCV and numpy).

Everything here changes only the pixel values, never where things are: blur kernels are centred,
the motion blur blends a frame with its two neighbours symmetrically (the body's exposure centre
stays at the frame's own time), and exposure, white balance, vignetting, sensor noise and JPEG
compression leave geometry alone. So the truth track, projected through the frame's camera, stays
exact. Camera shake is not an image effect: it moves the camera itself (``render``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Degrade:
    """How one clip's frames are spoiled; neutral values leave a frame as rendered."""

    motion_blur: float = 0.0  #: weight of each neighbouring frame in the blend (0 to 0.3)
    defocus: float = 0.0  #: Gaussian blur sigma in pixels
    soft_scale: float = 1.0  #: down- and up-scale factor (< 1: a low-resolution sensor)
    exposure: float = 1.0  #: gain on linear light
    gamma: float = 1.0
    white_balance: tuple[float, float, float] = (1.0, 1.0, 1.0)  #: RGB gains
    vignette: float = 0.0  #: darkening at the corners (0 to 0.6)
    noise: float = 0.0  #: sensor noise sigma at mid grey, 0-255 scale
    chroma_noise: float = 0.0  #: share of the noise that differs per colour channel
    jpeg_quality: int = 0  #: 0: no JPEG step; else the quality of a JPEG round trip
    flicker: float = 0.0  #: slow auto-exposure drift, fraction of the exposure
    seed: int = 0


def blend_neighbours(prev: np.ndarray | None, cur: np.ndarray, nxt: np.ndarray | None, weight: float) -> np.ndarray:
    """Motion blur: ``cur`` with ``weight`` of each neighbour (a missing one counts as ``cur``)."""
    if weight <= 0:
        return cur
    p = cur if prev is None else prev
    n = cur if nxt is None else nxt
    out = (1.0 - 2 * weight) * cur.astype(np.float32) + weight * (p.astype(np.float32) + n.astype(np.float32))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _vignette_mask(h: int, w: int, strength: float) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((x - 0.5 * w) / (0.5 * w)) ** 2 + ((y - 0.5 * h) / (0.5 * h)) ** 2
    return (1.0 - strength * np.clip(r2 / 2.0, 0.0, 1.0) ** 1.2).astype(np.float32)


class Degrader:
    """Applies one clip's ``Degrade`` to frame after frame (noise drawn per frame from the seed)."""

    def __init__(self, d: Degrade, width: int, height: int, fps: float) -> None:
        self.d = d
        self.size = (width, height)
        self.fps = fps
        self._mask = _vignette_mask(height, width, d.vignette) if d.vignette > 0 else None
        rng = np.random.default_rng(d.seed)
        self._flicker = (rng.uniform(0.1, 0.4), rng.uniform(0, 2 * np.pi))

    def apply(self, index: int, prev: np.ndarray | None, cur: np.ndarray, nxt: np.ndarray | None) -> np.ndarray:
        """The degraded frame ``index`` (RGB uint8) from its rendered neighbours."""
        import cv2

        d = self.d
        img = blend_neighbours(prev, cur, nxt, d.motion_blur)
        w, h = self.size
        if d.soft_scale < 1.0:
            small = cv2.resize(img, (max(16, int(w * d.soft_scale)), max(16, int(h * d.soft_scale))),
                               interpolation=cv2.INTER_AREA)
            img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        if d.defocus > 0:
            img = cv2.GaussianBlur(img, (0, 0), d.defocus)
        lin = (img.astype(np.float32) / 255.0) ** 2.2
        gain = d.exposure
        if d.flicker > 0:
            f, ph = self._flicker
            gain *= 1.0 + d.flicker * np.sin(2 * np.pi * f * index / self.fps + ph)
        lin = lin * gain * np.asarray(d.white_balance, np.float32)
        if self._mask is not None:
            lin = lin * self._mask[:, :, None]
        out = np.clip(lin, 0.0, 1.0) ** (1.0 / (2.2 * d.gamma)) * 255.0
        if d.noise > 0:
            rng = np.random.default_rng((d.seed, index))
            # shot noise grows with brightness; a little read noise everywhere
            scale = d.noise * np.sqrt(np.clip(out / 128.0, 0.05, 2.0))
            luma = rng.standard_normal((h, w, 1)).astype(np.float32)
            chroma = rng.standard_normal((h, w, 3)).astype(np.float32)
            out = out + scale * ((1.0 - d.chroma_noise) * luma + d.chroma_noise * chroma)
        img = np.clip(out + 0.5, 0, 255).astype(np.uint8)
        if d.jpeg_quality > 0:
            ok, buf = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(d.jpeg_quality)])
            if ok:
                img = np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])
        return img

"""Sound in: WAV files read as 16 kHz mono int16, the recogniser's input.

Only the standard library and numpy: a WAV file is what ``--microphone FILE.wav`` takes and what
espeak-ng writes, so no audio package is needed to read one.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from posecoach.errors import UsageError

#: The sample rate of pocketsphinx's English acoustic model.
RATE = 16000


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples (float32, mono, -1..1) and the sample rate of a PCM WAV file.
    Raises ``UsageError`` (one line) when the file is missing or not 8/16/32-bit PCM WAV."""
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such sound file; give --microphone a .wav file") from None
    except (wave.Error, EOFError) as exc:
        raise UsageError(f"{path}: not a PCM WAV file ({exc}); convert it, e.g. 'sox IN -b 16 OUT.wav'") from None
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif width == 4:
        x = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648.0
    else:
        raise UsageError(f"{path}: {8 * width}-bit samples are not supported; use 16-bit PCM WAV")
    if channels > 1:
        x = x[: len(x) - len(x) % channels].reshape(-1, channels).mean(axis=1)
    return x, rate


def resample(x: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    """``x`` at ``rate`` Hz resampled to ``to`` Hz. Downsampling low-passes first (a windowed
    sinc at the new Nyquist frequency), so 22 or 44 kHz speech does not alias into the band."""
    if rate == to or len(x) == 0:
        return x.astype(np.float32)
    if to < rate:
        cutoff = 0.5 * to / rate  # cycles per input sample
        n = np.arange(-32, 33)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(len(n))
        x = np.convolve(x, kernel / kernel.sum(), mode="same")
    m = int(round(len(x) * to / rate))
    out: np.ndarray = np.interp(np.arange(m) * (rate / to), np.arange(len(x)), x).astype(np.float32)
    return out


def to_pcm16(x: np.ndarray) -> np.ndarray:
    """Float samples (-1..1) as int16, clipped."""
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


def load_16k(path: Path) -> np.ndarray:
    """A WAV file as 16 kHz mono int16: what the recogniser reads."""
    x, rate = read_wav(path)
    return to_pcm16(resample(x, rate))

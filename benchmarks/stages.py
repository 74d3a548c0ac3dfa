"""Per-stage timing of the product loop, for the benchmarks.

The benchmarks run frames through ``run_frames`` like every command does. To split a frame's time
into stages, ``StageClock`` notes the time where one stage hands over to the next (the frame
decoded, the model done, the session's update begun, the sinks reached), so what is timed is the
product's own loop, not a copy of it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class StageClock:
    """Seconds per stage: "decode", "inference", "smoothing+features" (rounding, smoothing,
    features), "engine" (the session, and the baseline it takes at the start position), then
    whatever the sinks ``mark``."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.stages: dict[str, float] = defaultdict(float)
        self._t = clock()

    def mark(self, stage: str) -> None:
        """The time since the last mark was spent in ``stage``."""
        now = self.clock()
        self.stages[stage] += now - self._t
        self._t = now

    def frames(self, source: Iterable[Any]) -> Iterator[Any]:
        """``source``, with the time to produce each item counted as decoding."""
        it = iter(source)
        self._t = self.clock()
        while True:
            item = next(it, None)
            self.mark("decode")
            if item is None:
                return
            yield item

    def estimator(self, estimator: Any) -> Any:
        """``estimator`` with its ``process`` counted as inference."""
        clock = self

        class Timed:
            def process(self, frame: Any) -> Any:
                pose = estimator.process(frame)
                clock.mark("inference")
                return pose

        return Timed()

    def engine(self, analysis: Any) -> None:
        """Split ``analysis.step_pose`` at its session update: what comes before is
        "smoothing+features"; the update and what follows until the sinks is "engine"."""
        update = analysis.session.update

        def timed_update(features: Any) -> Any:
            self.mark("smoothing+features")
            return update(features)

        analysis.session.update = timed_update

    def sink_start(self) -> None:
        """Called first in a sink: the step is done."""
        self.mark("engine")

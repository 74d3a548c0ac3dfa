"""The live coaching loop: newest camera frame -> pose -> engine -> overlay -> window, with keys,
voice cues and a session recording that survives a crash.

The loop takes the newest frame the source has (older ones were dropped by the source), so it
never falls behind the camera. Keys: q ends the set, space pauses, p is a pain stop.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import queue
import statistics
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posecoach import jsonio
from posecoach.sources.camera import Captured, LiveSource
from posecoach.control.floor import FloorControls
from posecoach.errors import OutputError
from posecoach.formats.session import SessionFile
from posecoach.pain import rating_from_keys
from posecoach.app.demo import LIVE_HINT, SKIP_WORDS, Demo, DemoOutcome, play_demo
from posecoach.app.pipeline import Runner, Sink, mark_lost_frames, run_frames
from posecoach.engine.step import Step
from posecoach.app.pipeline import finish as finish_analysis
from posecoach.framing import FramingCheck
from posecoach.render.overlay import HudInfo, Overlay
from posecoach.render.screens import pain_screen, rating_screen, summary_screen
from posecoach.render.video import VideoOut
from posecoach.errors import DisplayLost
from posecoach.render.window import Window, display_size
from posecoach.report import write_report
from posecoach.routine import any_summary_text, current_section, total_reps
from posecoach.track import TrackWriter
from posecoach.types import Frame, PoseFrame
from posecoach.voice import Cue, CueMaker, Voice

logger = logging.getLogger(__name__)

SESSION_FORMAT = "posecoach.session"
SESSION_FILE = "session.json"
#: How often the report on disk is rewritten during a recorded session (seconds of wall time).
CHECKPOINT_S = 1.0


class Recorder:
    """A session folder written as the session goes: ``video.ts`` (the camera's frames at the
    camera's rate, at the size shown: at most ``MAX_SHOW`` pixels on the long side, so encoding a
    phone's 1080x1920 stream does not take the model's CPU), ``track.jsonl`` (landmarks, flushed every frame), ``report.json`` (rewritten
    atomically every ``CHECKPOINT_S``) and ``session.json`` (what is needed to replay it).

    Video frame n and track line ``"i": n`` are the same picture. Frames the loop dropped are
    filled with the next picture so the video keeps real time; a pause is cut out.

    Why MPEG-TS and not mp4: an mp4 written by OpenCV has its index at the end, so a crash or a
    power cut leaves a file no player opens; a transport stream is readable up to its last few
    frames. (``posecoach replay DIR -o out.mp4`` makes an mp4 of it.) Every ``CHECKPOINT_S`` the
    files are also flushed to the disk (fsync), so a power cut loses at most about a second.
    """

    def __init__(self, folder: Path, meta: dict[str, Any], fps: float, size: tuple[int, int]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.video_path = self.folder / "video.ts"
        self.track_path = self.folder / "track.jsonl"
        self.report_path = self.folder / "report.json"
        self.fps = fps
        self._video = VideoOut(self.video_path, fps, size)
        self.track = TrackWriter(self.track_path, {**meta.get("source", {}), "fps": fps, "width": size[0],
                                                   "height": size[1], "model": meta.get("model"),
                                                   "source": str(self.video_path)})
        # through the model that replay reads it with, so a recording is always one replay can open
        session = SessionFile(format=SESSION_FORMAT, version=1, video=self.video_path.name,
                              track=self.track_path.name, report=self.report_path.name, **meta)
        try:
            (self.folder / SESSION_FILE).write_text(jsonio.dumps(session.to_dict(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            self._video.close()
            self.track.close()
            raise OutputError(f"{self.folder}: cannot write the session there ({exc.strerror}); "
                              f"choose another --record folder") from None
        #: why recording stopped (a full disk, say), or None while it goes on: coaching never stops for it
        self.failed: str | None = None
        self._offset: int | None = None  # capture index - video index
        self._queued = 0  # video frames handed to the encoder so far
        self._last_checkpoint = 0.0
        # encoding (a few ms a frame) runs beside the loop, not in it: OpenCV lets go of the GIL
        # while it encodes. The queue holds half a second: a full one (an encoder slower than the
        # camera) holds the loop back, and a crash loses what is queued plus the muxer's buffer
        self._frames: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(maxsize=max(4, round(fps / 2)))
        self.encode_error: str | None = None
        self._encoder = threading.Thread(target=self._encode, name="recorder", daemon=True)
        self._encoder.start()

    def _encode(self) -> None:
        while (item := self._frames.get()) is not None:
            image, repeat = item
            if repeat == 0:  # a checkpoint: put what is written so far on the disk itself
                self._sync()
                continue
            if self.encode_error is not None:
                continue  # the video stopped: drain the queue so the loop never waits on it
            try:
                for _ in range(repeat):
                    self._video.write(image)
            except (cv2.error, OSError) as exc:  # a full disk must not end the coaching: the set goes on unrecorded
                self.encode_error = str(exc).strip().splitlines()[-1]

    def _sync(self) -> None:
        """fsync the session's files and folder (here, off the frame loop: it can take a while)."""
        for path in (self.track_path, self.video_path, self.report_path, self.folder):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue  # not there yet (the first report comes with the first checkpoint)
            try:
                os.fsync(fd)
            except OSError:
                pass  # some file systems cannot sync a folder; the files themselves are synced
            finally:
                os.close(fd)

    def write(self, frame: Frame, raw: PoseFrame, image: np.ndarray | None = None) -> None:
        """Record one processed frame (``image``: the picture as shown, by default the frame's)
        and its landmarks. A frame the loop dropped before this one is filled with this picture,
        so the video keeps the camera's clock. Once writing fails (a full disk), nothing more
        is recorded and ``failed`` says why; the caller's coaching goes on."""
        if self.failed is not None:
            return
        if self._offset is None:
            self._offset = frame.index - self._queued
        gap = frame.index - self._offset - self._queued
        if gap > 2 * self.fps:  # a long stall: do not write seconds of the same picture
            self._offset += gap
            gap = 0
        index = self._queued + max(0, gap)
        self._frames.put((frame.image if image is None else image, 1 + max(0, gap)))
        self._queued = index + 1
        try:
            self.track.write(dataclasses.replace(raw, index=index))
        except OutputError as exc:
            self._fail(exc.reason or str(exc))

    def _fail(self, why: str) -> None:
        """Stop recording (the files so far stay readable) and say why, once."""
        if self.failed is None:
            self.failed = why

    def resync(self) -> None:
        """After a pause: the next frame follows on directly (the paused time is not recorded)."""
        self._offset = None

    def checkpoint(self, analysis: Runner, source: dict[str, Any], force: bool = False) -> None:
        """Rewrite the report on disk (at most every ``CHECKPOINT_S``) as a partial, in-progress one."""
        if self.failed is not None:
            return
        now = time.monotonic()
        if not force and now - self._last_checkpoint < CHECKPOINT_S:
            return
        self._last_checkpoint = now
        try:
            write_report(checkpoint_report(analysis, source), self.report_path)
        except OSError as exc:
            self._fail(exc.strerror or str(exc))
            return
        self._frames.put((np.empty((0, 0, 3), np.uint8), 0))  # ask the encoder thread to fsync

    def close(self) -> None:
        """Finish the video (waits for the encoder) and the track."""
        if self._encoder.is_alive():
            self._frames.put(None)
            self._encoder.join()
        try:
            self._video.close()
        except (cv2.error, OSError) as exc:
            self.encode_error = self.encode_error or str(exc).strip().splitlines()[-1]
        self.track.close()


def checkpoint_report(analysis: Runner, source: dict[str, Any]) -> dict[str, Any]:
    """The report so far, marked as a partial one still in progress."""
    report = analysis.report(source)
    t = analysis.session.last_t
    report["status"] = "partial"
    report["stop"] = {"reason": "in_progress", "t_s": None if t is None else round(t, 2)}
    return report


@dataclass
class LiveResult:
    """How a live session went."""

    report: dict[str, Any]
    reason: str  # completed | user | pain | camera_lost | interrupted
    frames: int
    dropped: int
    latencies_ms: list[float] = field(default_factory=list)
    #: the report could not be written at its path (saved elsewhere: the message says where)
    write_error: OutputError | None = None
    #: the person's pain rating (0-10) given at the end of the set, or None
    pain_rating: int | None = None

    def latency_summary(self) -> dict[str, float]:
        """Median and 95th percentile of capture-to-overlay latency, in ms."""
        if not self.latencies_ms:
            return {"median_ms": float("nan"), "p95_ms": float("nan")}
        data = sorted(self.latencies_ms)
        return {"median_ms": statistics.median(data), "p95_ms": data[min(len(data) - 1, int(0.95 * len(data)))]}


class FpsMeter:
    """Frames per second of the loop, smoothed so the number on screen is readable."""

    def __init__(self) -> None:
        self._last: float | None = None
        self.fps: float | None = None

    def tick(self) -> float | None:
        now = time.monotonic()
        if self._last is not None and now > self._last:
            inst = 1.0 / (now - self._last)
            self.fps = inst if self.fps is None else 0.9 * self.fps + 0.1 * inst
        self._last = now
        return self.fps

    def reset(self) -> None:
        self._last = None


def fan_out(*sinks: Sink) -> Sink:
    """One sink that hands each step to ``sinks`` in order."""

    def each(frame: Frame | None, step: Step) -> None:
        for sink in sinks:
            sink(frame, step)

    return each


class LiveSession:
    """One live set. ``run()`` until the set ends; it returns the final report (also written)."""

    def __init__(self, analysis: Runner, source: LiveSource, estimator: Any, window: Window, voice: Voice, *,
                 source_meta: dict[str, Any], report_path: Path | None, recorder: Recorder | None = None,
                 summary_s: float | None = None, full_resolution: bool = False,
                 floor: FloorControls | None = None, demo: Demo | None = None) -> None:
        """``floor``: the hands-free controls, talk-through and pain rating
        (``posecoach.control.floor``); ``demo``: a demonstration clip played before the set
        (``posecoach.app.demo``), skippable. Notices for the person go to this module's logger."""
        self.analysis = analysis
        self.spec = analysis.spec
        self.source = source
        self.estimator = estimator
        self.window = window
        self.voice = voice
        self.cues = CueMaker(self.spec)
        self.overlay = Overlay(self.spec)
        self.framing = FramingCheck(self.spec)
        self.meta = source_meta
        self.report_path = report_path
        self.recorder = recorder
        self.summary_s = summary_s
        self.full_resolution = full_resolution  # the model sees the source's own pixels (as analyze does)
        self.floor = floor
        self.fps = FpsMeter()
        self.paused = False
        self.latencies_ms: list[float] = []
        self.frames = 0
        self._last_step: Step | None = None
        self._pending: tuple[Captured, np.ndarray]  # the frame the sinks are handling, and its picture
        self._info = HudInfo()
        self._ended = "completed"  # why the frames stopped coming
        self._last_image: np.ndarray | None = None
        self._size = display_size(source.width, source.height)
        self._told_recording = False
        self._last_saved = time.monotonic()
        self._save_failed = False
        #: the person's pain rating (0-10) given on the end screen, or None
        self.pain_rating: int | None = None
        self.demo = demo
        #: how the demonstration ended (None: none was shown)
        self.demo_outcome: DemoOutcome | None = None
        self._demo_events: list[dict[str, Any]] = []  # without hands-free controls to hold them

    # -- the loop -----------------------------------------------------------------------------------
    def run(self) -> LiveResult:
        reason = "completed"
        if self.demo is not None:
            self._show_demo()
        self.voice.say(self.cues.start_cue())
        if self.floor is not None:
            self.floor.begin(self.spec)
        self.source.start()
        try:
            reason = self._loop()
        except KeyboardInterrupt:
            reason = "interrupted"
        except DisplayLost:  # the window's display went away: end the set, keep everything
            self.window.closed = True
            reason = "display_lost"
        except BaseException:
            # a crash keeps what was recorded: the partial report is written before the bug surfaces
            self._close_io()
            finish_analysis(self.analysis, self.meta, self.report_path, reason="error")
            raise
        finally:
            self.source.close()
            if self.floor is not None and reason == "interrupted":
                self.floor.close()
        self._close_io()
        return self._finish(reason)

    def _show_demo(self) -> None:
        """Before the camera starts (so before setup): the demonstration, until its end or a key
        (or "next" / "skip" said). A skip is a control event of the report, at set time 0."""
        assert self.demo is not None
        listener = self.floor.listener if self.floor is not None else None
        if listener is not None:
            listener.start()  # early, so the word is heard; the set's begin() leaves it running
        if self.window.interactive:
            logger.info(f"posecoach: showing how {self.spec.name} is done; {LIVE_HINT}")
        self.demo_outcome = play_demo(self.window, self.demo, self.spec, size=self._size, hint=LIVE_HINT,
                                      paced=self.window.interactive,
                                      heard=(lambda: self._demo_word(listener)) if listener is not None else None)
        out = self.demo_outcome
        if out.skipped:
            event: dict[str, Any] = {"t_s": 0.0, "control": "skip_demo", "by": out.by, "demo_t_s": round(out.at_s, 2)}
            if out.by == "voice":
                event["heard"] = out.detail
            (self.floor.events if self.floor is not None else self._demo_events).append(event)

    def _demo_word(self, listener: Any) -> str | None:
        """A skip word heard during the demonstration (other commands mean nothing yet: no set runs)."""
        for item in listener.poll():
            phrase: str = item.heard.phrase
            if phrase in SKIP_WORDS and not self.voice.saying(phrase, item.at):
                return phrase
        return None

    def _loop(self) -> str:
        """The one loop (``run_frames``) over the camera's frames, with this session's sinks; the
        frames' generator handles keys and pauses between frames and says why the set ended."""
        self._ended = "completed"
        run_frames(self.analysis, self._frames(), self.estimator,
                   on_step=fan_out(self._display, self._speak, self._control, self._record))
        return self._ended

    def _frames(self) -> Iterator[Frame]:
        """The frames the model is to see, taken from the source on the calling (the window's)
        thread, so every picture is shown and every key read in the same order as the frames."""
        self._ended = yield from self._take_frames()

    def _take_frames(self) -> Generator[Frame, None, str]:
        while True:
            if self.paused:
                key = self.window.key(30, t_s=self._t())
                if self.floor is not None:
                    self.floor.watch_paused(self.source, self.estimator)
                    key = self.floor.key(key, self._t(), paused=True)
                if self.window.closed:
                    return "user"
                self._handle_pause_key(key)
                if key == "q":
                    return "user"
                if key == "p":
                    return self._pain()
                continue
            captured = self.source.next(timeout=0.1)
            if captured is None:
                if self.source.exhausted:
                    return "camera_lost" if self.source.lost else "completed"
                key = self.window.key(1, t_s=self._t())  # keep the window responsive while waiting
            else:
                yield self._to_model(captured)  # the sinks have shown, said and saved it when this returns
                key = self.window.key(1, t_s=self._t())
                if self._routine_done():
                    return "completed"
            if self.floor is not None:
                key = self.floor.key(key, self._t(), paused=False)
            if key == "q" or self.window.closed:
                return "user"
            if key == "n":  # a routine: on to the next exercise (a single exercise has none)
                if self.analysis.next():
                    self._switch_exercise()
                continue
            if key == "p":
                return self._pain()
            self._handle_pause_key(key)

    def _switch_exercise(self) -> None:
        """A routine's next exercise: its own overlay, cues and framing check, announced."""
        self.spec = self.analysis.spec
        self.cues = CueMaker(self.spec)
        self.overlay = Overlay(self.spec)
        self.framing = FramingCheck(self.spec)
        self.voice.say(Cue(f"Next: {self.spec.name}"))
        self.voice.say(self.cues.start_cue())
        if self.floor is not None:
            self.floor.switch(self.spec)

    def _routine_done(self) -> bool:
        return self.analysis.finished and self.analysis.session.pain_stop_s is None

    def _t(self) -> float | None:
        return self._last_step.result.t_s if self._last_step is not None else None

    def _to_model(self, captured: Captured) -> Frame:
        """The frame as the model gets it; the sinks find the capture and the picture to show in
        ``_pending``."""
        frame = captured.frame
        image = self._display_image(frame.image)
        self._pending = (captured, image)
        # the model gets the picture at display size: a 1080x1920 phone clip costs several times a
        # webcam frame to convert and crop, and the landmarks are normalised, so they do not change
        small = image is not frame.image and not self.full_resolution
        return Frame(frame.index, frame.timestamp_ms, image) if small else frame

    # -- the sinks, in the order they run: the person sees the frame first; speaking and saving come after
    def _display(self, seen: Frame | None, step: Step) -> None:
        """The overlay on the picture, in the window."""
        captured, image = self._pending
        if self.analysis.exercise_changed:  # a routine moved to its next exercise
            self._switch_exercise()
        self.frames += 1
        info = self._hud(step)
        self._info = info
        shown = self.overlay.draw(image.copy(), step, info)
        self.latencies_ms.append((time.monotonic() - captured.captured_at) * 1000.0)
        self.window.show(shown)
        self._last_step, self._last_image = step, image

    def _speak(self, seen: Frame | None, step: Step) -> None:
        """The voice cues this frame calls for."""
        for cue in self.cues.frame(step.result):
            self.voice.say(cue)

    def _control(self, seen: Frame | None, step: Step) -> None:
        """The hands-free controls watch the pose (gestures, talk-through)."""
        if self.floor is not None:
            self.floor.frame(step.raw, step.result, self._info.framing)

    def _record(self, seen: Frame | None, step: Step) -> None:
        """The session folder (or, without one, the report kept on disk)."""
        if self.recorder is None:
            self._save_progress()
            return
        captured, image = self._pending
        self.recorder.write(captured.frame, step.raw, image)
        self.recorder.checkpoint(self.analysis, self.meta)
        if self.recorder.failed is not None and not self._told_recording:
            self._told_recording = True
            logger.warning(f"posecoach: recording stopped at {step.result.t_s:.1f} s ({self.recorder.failed}); "
                        f"coaching goes on, and the report is written at the end")

    def _save_progress(self) -> None:
        """Without a recording, the report on disk is still kept at most ``CHECKPOINT_S`` old (a
        partial one, in progress), so even a native crash of the window leaves the set's report."""
        now = time.monotonic()
        if self.report_path is None or self._save_failed or now - self._last_saved < CHECKPOINT_S:
            return
        self._last_saved = now
        try:
            write_report(checkpoint_report(self.analysis, self.meta), self.report_path)
        except OSError:
            self._save_failed = True  # said at the end, where the report goes to a fallback place
    def _hud(self, step: Step) -> HudInfo:
        framing = self.framing(step.pose) if step.result.has_pose else []
        return HudInfo(fps=self.fps.tick(), paused=self.paused, recording=self.recorder is not None, framing=framing,
                       hands_free=self.floor.help_lines() if self.floor is not None else [])

    def _display_image(self, image: np.ndarray) -> np.ndarray:
        if (image.shape[1], image.shape[0]) == self._size:
            return image
        return cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)

    def _handle_pause_key(self, key: str | None) -> None:
        if key != " ":
            return
        self.paused = not self.paused
        if self.paused:
            self.source.pause()
            if self._last_step is not None and self._last_image is not None:
                info = HudInfo(fps=None, paused=True, recording=self.recorder is not None)
                self.window.show(self.overlay.draw(self._last_image.copy(), self._last_step, info))
        else:
            self.source.resume()
            self.fps.reset()
            if self.recorder is not None:
                self.recorder.resync()

    def _pain(self) -> str:
        t = self._t()
        self.analysis.session.pain_stop(t if t is not None else 0.0)
        self.voice.say(self.cues.pain_cue())
        return "pain"

    # -- the end ------------------------------------------------------------------------------------
    def _close_io(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            if self.recorder.failed and not self._told_recording:
                self._told_recording = True
                logger.warning(f"posecoach: the recording stopped early ({self.recorder.failed}); the report is written at the end")
            elif self.recorder.encode_error and not self.recorder.failed:
                logger.warning(f"posecoach: the video recording stopped early ({self.recorder.encode_error}); "
                         f"the track and report in {self.recorder.folder} are complete")

    def _finish(self, reason: str) -> LiveResult:
        engine_reason = {"completed": None, "user": "user", "pain": None}.get(reason, reason)
        self.meta.update(self.source.damage())
        write_error: OutputError | None = None
        try:
            report = finish_analysis(self.analysis, self.meta, self.report_path, reason=engine_reason)
        except OutputError as exc:  # saved in a fallback place; the set still ends properly
            write_error = exc
            report = mark_lost_frames(self.analysis.report(self.meta), self.meta)
        if self.floor is not None:
            report = self._floor_finish(report, reason)
            if self.floor.pain_rating is not None:  # one rating, asked once: the hands-free controls' own
                self.pain_rating = int(self.floor.pain_rating["value"])
        elif self._demo_events:
            report["events"] = list(self._demo_events)
            if self.report_path is not None and write_error is None:
                write_report(report, self.report_path)
        if self.recorder is not None and self.recorder.report_path != self.report_path:
            try:
                write_report(report, self.recorder.report_path)  # the folder's copy must not stay "in progress"
            except OSError:
                pass  # the report itself is at report_path (or its fallback); the recording said it stopped
        if reason != "pain":  # after a pain stop the only thing said is the advice
            self.voice.say(self.cues.end_cue(total_reps(report)))
        self._show_end(report, reason)
        self.voice.close()
        return LiveResult(report, reason, self.frames, self.source.dropped, self.latencies_ms, write_error,
                          self.pain_rating)

    def _floor_finish(self, report: dict[str, Any], reason: str) -> dict[str, Any]:
        """How to get up, the pain rating, and the control events: added to the report, rewritten."""
        assert self.floor is not None
        if reason == "completed":
            self.floor.end(self._t())
        if reason != "interrupted" and not self.window.closed:
            base = self._last_image if self._last_image is not None else np.zeros((self._size[1], self._size[0], 3), np.uint8)
            screen = pain_screen(base, current_section(report).get("pain_stop", {}).get("t_s")) if reason == "pain" \
                else summary_screen(base, any_summary_text(report))
            self.floor.rate_pain(self.window, self._t(), show=lambda text: self.window.show(rating_screen(screen, text)))
            if self.floor.rating_left_by_key and self.window.interactive:
                self.summary_s = 0  # the key that left the rating has closed the end screen too
        self.floor.close()
        report = self.floor.add_to_report(report)
        if self.report_path is not None:
            write_report(report, self.report_path)
        return report

    def _show_end(self, report: dict[str, Any], reason: str) -> None:
        """The pain advice or the set's summary, until a key (or ``summary_s`` seconds)."""
        if self.summary_s == 0 or self.window.closed or reason == "interrupted":
            return  # nobody to show it to: the window was closed, or Ctrl-C asked to leave now
        base = self._last_image if self._last_image is not None else np.zeros((self._size[1], self._size[0], 3), np.uint8)
        pain_t = current_section(report).get("pain_stop", {}).get("t_s")
        screen = pain_screen(base, pain_t) if reason == "pain" else summary_screen(base, any_summary_text(report))
        self.window.show(screen)
        # the rating is asked here only when the hands-free controls (which ask for it by key or
        # by voice) are not in use
        rate = self.floor is None
        if not self.window.interactive:  # a key script's keys after the end are pressed on this screen
            if rate:
                self.pain_rating = rating_from_keys(self.window.key(1, t_s=math.inf), lambda: self.window.key(1, t_s=math.inf))
            return
        deadline = None if self.summary_s is None else time.monotonic() + self.summary_s
        while not self.window.closed:
            if (key := self.window.key(100)) is not None:
                if rate:
                    self.pain_rating = rating_from_keys(key, lambda: self.window.key(1000))
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
        self.window.close()


def session_meta(exercise: str, profile: Path | None, model: str, source: dict[str, Any]) -> dict[str, Any]:
    """What a recorded session folder needs to be replayed: exercise, profile, model, source."""
    ex_path = Path(exercise)
    return {
        "exercise": str(ex_path.resolve()) if ex_path.suffix == ".toml" and ex_path.exists() else exercise,
        "profile": str(profile.resolve()) if profile is not None else None,
        "model": model,
        "source": source,
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class LiveOptions:
    """How a live set is to run: the ``live`` command's options, already checked."""

    exercise: str  # as given (an id, a spec file or routine:NAME), recorded in a session folder
    profile: Path | None
    model: str  # --model: a name or a .task file
    report_path: Path | None
    camera: int | str = 0
    source: Path | None = None  # a video played as if live, instead of the camera
    no_drop: bool = False  # with source: every frame, full resolution, as fast as possible
    record: Path | None = None  # the session folder (it exists and holds no session yet)
    headless: bool = False
    keys: Sequence[tuple[float, str]] = ()  # headless only: (video time, key) to press
    mute: bool = False
    voice_wav: Path | None = None
    summary_s: float | None = None
    demo: Demo | None = None  # the demonstration played before the set (``app.demo.find_demo``)


#: Builds the hands-free controls of a session around its voice (``control.cli.make_floor``).
FloorFactory = Callable[[Voice], FloorControls]


def run_live(analysis: Runner, options: LiveOptions, make_floor: FloorFactory | None = None) -> LiveResult:
    """Coach one set live: open the source (camera or file), the window (or a headless one), the
    voice, the recording and the model, run the session, and close them all. The report is
    written at ``options.report_path`` whatever ends the set (a crash included)."""
    from posecoach.app.build import resolve_model_arg
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.render.window import CvWindow, HeadlessWindow
    from posecoach.sources.camera import CameraSource, PacedFileSource, SequentialFileSource
    from posecoach.voice import make_voice

    model_path, model = resolve_model_arg(options.model)
    source: LiveSource
    if options.source is not None:
        source = SequentialFileSource(options.source) if options.no_drop else PacedFileSource(options.source)
    else:
        source = CameraSource(options.camera)
    meta = {**source.describe(), "model": model}
    recorder = None
    started = False
    try:
        if options.record is not None:
            recorder = Recorder(options.record, session_meta(options.exercise, options.profile, model, source.describe()),
                                source.fps, display_size(source.width, source.height))
            meta["recording"] = str(options.record)
        window: Window = HeadlessWindow(options.keys) if options.headless else CvWindow(f"posecoach - {analysis.spec.name}")
        voice = make_voice(mute=options.mute, wav_dir=options.voice_wav)
        floor = make_floor(voice) if make_floor is not None else None
        with PoseEstimator(model_path) as estimator:
            session = LiveSession(analysis, source, estimator, window, voice, source_meta=meta,
                                  report_path=options.report_path, recorder=recorder, summary_s=options.summary_s,
                                  full_resolution=options.no_drop, floor=floor, demo=options.demo)
            started = True  # from here the session closes the camera and the recording itself
            return session.run()
    finally:
        if not started:
            source.close()
            if recorder is not None:
                recorder.close()

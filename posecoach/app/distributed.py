"""A batch across several machines: each video is one task on a Dask distributed cluster.

``posecoach batch FOLDER --cluster tcp://HOST:8786`` hands every video to a Dask scheduler, whose
workers (``dask worker tcp://HOST:8786`` on each machine, with posecoach and the pose model
installed) analyse them exactly as the one-machine batch does, with the same code
(``posecoach.app.batch.analyse_one``). The videos must be readable on every worker at the path the
batch machine sees (an archive on a network share mounted at the same place); the reports need no
shared folder: a worker analyses into a private temporary folder and sends back every file the
analysis wrote, and this machine writes them into ``--out`` as soon as that video's task is done.
So the reports, CSVs, tracks and ``batch.json`` are the files the one-machine batch writes, in one
place, and a finished video's report is on disk before the next result is awaited: no failure of
another video (or of a worker, or a Ctrl-C) can take it back.

A worker that dies mid-video loses nothing either: the scheduler gives its task to another worker
(up to Dask's ``distributed.scheduler.allowed-failures`` deaths per task, then that video alone is
reported as failed), and a task that raised for a reason outside the analysis (a worker's full
temporary disk, say) is tried again ``RETRIES`` more times. A video's own problems (unreadable,
nobody in it, a bug in the analysis) are results, not exceptions, so they are reported once, like
the one-machine batch does, and not retried.

``distributed`` is imported only here and only when ``--cluster`` is used: it is an optional extra
(``pip install 'posecoach[cluster]'``).
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from posecoach import jsonio
from posecoach.app.batch import NOT_STARTED, BatchInterrupted, VideoResult, analyse_one, output_paths
from posecoach.errors import ExitCode, ModelError, OutputError, PosecoachError, UsageError, VideoOpenError

CONNECT_TIMEOUT_S = 10.0  #: how long to try the scheduler (and wait for a first worker) before giving up
RETRIES = 2  #: extra tries of a task that raised outside the analysis (a worker's death is handled by the scheduler)
INSTALL_HINT = "pip install 'posecoach[cluster]'"


def _distributed() -> Any:
    """The ``distributed`` package, or a one-line ``UsageError`` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--cluster needs Dask's distributed scheduler, which is not installed here; "
                         f"install the extra on this machine and every worker: {INSTALL_HINT}") from None
    return distributed


@dataclass
class Outcome:
    """What a worker sends back for one video: its result and the files its analysis wrote
    (name inside ``--out`` -> contents), so the reports are gathered on the batch machine."""

    result: VideoResult
    files: dict[str, bytes] = field(default_factory=dict)
    worker: str = ""


def _swap_paths(value: Any, swaps: dict[str, str]) -> Any:
    """``value`` with every string equal to a key of ``swaps`` replaced (the report names the paths
    the worker used; the batch machine's report must name the ones the one-machine batch would)."""
    if isinstance(value, str):
        return swaps.get(value, value)
    if isinstance(value, dict):
        return {k: _swap_paths(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_paths(v, swaps) for v in value]
    return value


def analyse_remote(video: str, shown: str, exercise: str, model: str, report_path: str,
                   save_track: bool) -> Outcome:
    """Analyse one video on a worker (a Dask task). ``video`` is the path the worker opens (absolute),
    ``shown`` and ``report_path`` the video and report paths as the one-machine batch names them.

    The analysis writes into a private temporary folder (a retried task starts clean, and two
    workers never share files); the report is then rewritten with the batch machine's paths so
    that the files sent back are those ``posecoach batch --jobs N`` would have written."""
    from posecoach.app.batch import _internal_error
    from posecoach.report import write_report

    final = Path(report_path)
    with tempfile.TemporaryDirectory(prefix="posecoach-task-") as tmp:
        local = Path(tmp) / final.name
        try:
            result = analyse_one(video, exercise, model, str(local), save_track)
        except Exception as exc:  # noqa: BLE001 - a bug in this video: report it (keeping any partial report), retry nothing
            result = _internal_error(Path(video), exc)
        local_track = local.with_name(final.name.removesuffix(".report.json") + ".jsonl")
        final_track = final.with_name(local_track.name)
        swaps = {video: shown, str(local): str(final), str(local_track): str(final_track)}
        if local.is_file():
            report = _swap_paths(jsonio.read_json(local, OutputError), swaps)
            write_report(report, local)  # the same writer as the analysis: the same JSON and CSVs
        files = {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.is_file()}
        if local_track.name in files:  # its first line, the header, names the video too
            head, sep, rest = files[local_track.name].partition(b"\n")
            header = _swap_paths(json.loads(head), swaps)
            files[local_track.name] = jsonio.dumps(header).encode("utf-8") + sep + rest
    result = replace(result, video=shown, report=str(final) if result.report else None,
                     track=str(final_track) if result.track else None,
                     error=result.error.replace(video, shown) if result.error else None)
    return Outcome(result, files, worker=socket.gethostname())


def check_worker(videos: Sequence[str], model: str) -> dict[str, Any]:
    """Run on every worker before the batch: can it see the videos and obtain the model?"""
    from posecoach import __version__
    from posecoach.app.build import resolve_model_arg

    missing = [v for v in videos if not os.path.isfile(v)]
    try:
        resolve_model_arg(model, log=None)
        model_error = None
    except PosecoachError as exc:
        model_error = str(exc)
    return {"version": __version__, "host": socket.gethostname(), "missing": len(missing),
            "first_missing": missing[0] if missing else None, "model_error": model_error}


def _write_files(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write a video's files into ``out_dir``, each atomically (a crash never leaves half a report)."""
    for name, data in files.items():
        target = out_dir / Path(name).name  # a bare name: a worker cannot write outside --out
        part = target.with_name(f".{target.name}.{os.getpid()}.part")
        part.write_bytes(data)
        os.replace(part, target)


class ClusterBatch:
    """A connection to a Dask scheduler that runs a batch the way ``posecoach.app.batch.run_batch`` does
    (same arguments, same results, same files), one task per video."""

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address

    @classmethod
    def connect(cls, address: str, *, timeout: float | None = None) -> ClusterBatch:
        """Connect and wait for a first worker (``timeout`` seconds each, default ``CONNECT_TIMEOUT_S``);
        a one-line ``UsageError`` (exit 2) when the extra is missing, the scheduler cannot be
        reached, or no worker has joined it."""
        distributed = _distributed()
        timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
        try:  # checked first: a Client given a bad address hangs at exit trying to close
            from distributed.comm import get_address_host, parse_address
            from distributed.comm.registry import get_backend

            get_backend(parse_address(address)[0])
            get_address_host(address)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{address}: not a Dask scheduler address ({' '.join(str(exc).split())}); "
                             f"pass what 'dask scheduler' prints, e.g. --cluster tcp://HOST:8786") from None
        try:
            client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__
            raise UsageError(f"{address}: cannot reach the Dask scheduler ({why}); start one with 'dask scheduler' "
                             f"and pass its address, e.g. --cluster tcp://HOST:8786") from None
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError):
            client.close()
            raise UsageError(f"{address}: no worker has joined this scheduler in {timeout:.0f} s; start "
                             f"'dask worker {address} --nthreads 1' on each machine") from None
        return cls(client, address)

    def workers(self) -> dict[str, int]:
        """Worker address -> threads, as the scheduler knows them now."""
        info = self.client.scheduler_info(n_workers=-1)["workers"] if _takes_n_workers(self.client) \
            else self.client.scheduler_info()["workers"]
        return {addr: int(w.get("nthreads", 1)) for addr, w in info.items()}

    def check(self, videos: Sequence[Path], model: str) -> None:
        """Fail once, before any video, when a worker cannot run posecoach, see the videos, or
        obtain the model: otherwise each of its videos would fail the same way."""
        paths = [str(Path(v).resolve()) for v in videos]
        answers = self.client.run(check_worker, paths, model, on_error="return")
        from posecoach import __version__

        for addr, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                raise UsageError(f"worker {addr}: cannot run posecoach ({type(answer).__name__}: {answer}); "
                                 f"install the same posecoach with {INSTALL_HINT} on every worker machine") from None
            if answer["version"] != __version__:
                raise UsageError(f"worker {addr} ({answer['host']}) runs posecoach {answer['version']}, this machine "
                                 f"{__version__}; install the same version everywhere so the reports agree")
            if answer["missing"]:
                raise VideoOpenError(f"worker {addr} ({answer['host']}) cannot read {answer['missing']} of the "
                                     f"{len(paths)} videos, e.g. {answer['first_missing']}; mount the archive at "
                                     f"the same path on every machine")
            if answer["model_error"]:
                raise ModelError(f"worker {addr} ({answer['host']}): {answer['model_error']}")

    def prepare(self, videos: Sequence[Path], model: str) -> int:
        """``check`` the workers (closing the connection if one fails); returns their threads in all."""
        try:
            self.check(videos, model)
            return sum(self.workers().values())
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.client.close()

    def run(self, videos: Sequence[Path], exercise: str, *, out_dir: Path, jobs: int = 0, model: str = "full",
            save_tracks: bool = False, on_result: Callable[[VideoResult], None] | None = None) -> list[VideoResult]:
        """Analyse ``videos`` on the cluster; results in the order of ``videos``. Each video's files
        are written into ``out_dir`` as its task finishes and ``on_result`` is then called. Ctrl-C
        cancels what has not finished (a worker finishes a video it has started, unseen) and raises
        ``BatchInterrupted`` with what was done. ``jobs`` is unused: the workers' threads set it."""
        distributed = _distributed()
        targets = output_paths(videos, out_dir)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        done: dict[Path, VideoResult] = {}

        def everything() -> list[VideoResult]:
            return [done.get(v) or VideoResult(str(v), error=NOT_STARTED, exit_code=int(ExitCode.INTERRUPTED))
                    for v in videos]

        run_id = uuid.uuid4().hex[:8]
        futures = {
            self.client.submit(analyse_remote, str(Path(v).resolve()), str(v), exercise, model, str(targets[v]),
                               save_tracks, key=f"posecoach-{run_id}-{i}-{Path(v).stem}", retries=RETRIES,
                               pure=False): v
            for i, v in enumerate(videos)
        }
        try:
            for fut in distributed.as_completed(list(futures), loop=self.client.loop):
                video = futures[fut]
                try:
                    outcome: Outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - its workers kept dying, or a bug: this video only
                    result = _lost(video, exc)
                else:
                    result = outcome.result
                    try:
                        _write_files(out_dir, outcome.files)
                    except OSError as exc:
                        result = replace(result, error=f"{out_dir}: cannot write this video's report "
                                         f"({exc.strerror or exc})", exit_code=int(ExitCode.INPUT))
                fut.release()  # its files are on disk: the cluster need not keep them
                done[video] = result
                if on_result is not None:
                    on_result(result)
        except KeyboardInterrupt:
            self.client.cancel([f for f, v in futures.items() if v not in done])
            raise BatchInterrupted(everything()) from None
        finally:
            self.close()
        return everything()


def _takes_n_workers(client: Any) -> bool:
    """Newer ``distributed`` lists only some workers in ``scheduler_info()`` unless asked for all."""
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def _lost(video: Path, exc: BaseException) -> VideoResult:
    """A video whose task did not come back: its workers died too often (``KilledWorker``), or the
    task itself failed every try."""
    name = type(exc).__name__
    if name == "KilledWorker":
        why = "the workers that ran it died each time (a crash or out of memory on that video?)"
    else:
        why = f"internal error (a bug, please report it): {name}: {exc}"
    return VideoResult(str(video), error=why, exit_code=int(ExitCode.ERROR))

"""Misses and false accepts of the spoken commands, on speech synthesised by espeak-ng.

Voices, speeds and noise levels are split in two: the acceptance threshold is chosen on the
tuning voices (``--tune`` prints the sweep), and the rates are reported on five other voices,
none used for tuning. Each condition is one stream of command utterances ("stop", "please
stop", ...) interleaved with speech holding no command (sentences, short words such as "top" or
"hang on", and with ``--coach`` the coach's own spoken texts), with white noise at 20 and 10 dB
signal-to-noise ratio or none.

    .venv/bin/python benchmarks/voice_commands.py [--mode commands|rating] [--coach] [--tune] [-v]

Prints per noise level and in total: the miss rate (commands not recognised) and false accepts
(phrases recognised in speech or pauses holding no command), per utterance and per minute.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from posecoach.control.speech import COMMAND_SEARCH, THRESHOLD, Heard, Spotter  # noqa: E402
from posecoach.control.speech_eval import (  # noqa: E402
    NOISE_SNR_DB,
    TEST_VOICES,
    TUNE_VOICES,
    Score,
    Stream,
    Voice,
    build_stream,
    coach_texts,
    items_for,
    score,
    workdir,
)


def decode_all(voices: list[Voice], mode: str, extra: list[str]) -> list[tuple[str, Stream, list[Heard]]]:
    """Every condition's stream and everything recognised in it at any score."""
    out = []
    for snr in NOISE_SNR_DB:
        key = "clean" if snr is None else f"{snr:g}dB"
        for k, voice in enumerate(voices):
            stream = build_stream(items_for(mode, extra), voice, workdir(), snr_db=snr, seed=k)
            spotter = Spotter(threshold=-1e9, seed=k)
            if mode != COMMAND_SEARCH:
                spotter.set_mode(mode)
            heard = spotter.feed(stream.audio) + spotter.flush()
            out.append((f"{voice} {key}", stream, heard))
    return out


def scores_at(decoded: list[tuple[str, Stream, list[Heard]]], threshold: float) -> dict[str, Score]:
    out: dict[str, Score] = {}
    for label, stream, heard in decoded:
        s = score(stream, [h for h in heard if h.score >= threshold], label)
        out.setdefault(label.split()[-1], Score()).add(s)
    return out


def print_scores(title: str, scores: dict[str, Score], verbose: bool = False) -> None:
    print(title)
    all_ = Score()
    for key, s in scores.items():
        all_.add(s)
        _line(key, s)
    _line("all", all_)
    if verbose:
        for e in all_.errors:
            print("   ", e)


def _line(key: str, s: Score) -> None:
    per_min = s.false_in_negatives / (s.negative_s / 60) if s.negative_s else float("nan")
    print(f"  {key:>6}: miss {s.commands - s.hits}/{s.commands} ({100 * s.miss_rate:.1f} %), "
          f"false accepts {s.false_in_negatives}/{s.negatives} no-command utterances "
          f"({100 * s.false_accepts_per_utterance:.1f} %, {per_min:.2f}/min of such speech), "
          f"wrong phrase on a command {s.false_accepts - s.false_in_negatives}")


def tune(decoded: list[tuple[str, Stream, list[Heard]]]) -> float:
    """The threshold with the fewest misses plus 2 x false accepts (a false pain stop costs more
    than having to say the word again) on the tuning voices."""
    best: tuple[float, float] | None = None
    for i in range(0, 41):
        th = -6.0 + 0.1 * i
        s = Score()
        for v in scores_at(decoded, th).values():
            s.add(v)
        cost = (s.commands - s.hits) + 2 * s.false_accepts
        print(f"  threshold {th:5.2f}: miss {s.commands - s.hits}/{s.commands}, false accepts {s.false_accepts}, cost {cost}")
        if best is None or cost < best[1]:
            best = (th, cost)
    assert best is not None
    return round(best[0], 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["commands", "rating"], default="commands")
    ap.add_argument("--coach", action="store_true", help="add the coach's own spoken texts to the negatives")
    ap.add_argument("--tune", action="store_true", help="sweep the threshold on the tuning voices")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every miss and false accept")
    args = ap.parse_args()
    extra = coach_texts() if args.coach else []
    threshold = THRESHOLD
    tuning = decode_all(TUNE_VOICES, args.mode, extra)
    if args.tune:
        threshold = tune(tuning)
        print(f"chosen threshold: {threshold} (in use: {THRESHOLD})")
    print_scores(f"{args.mode}, threshold {threshold}, tuning voices {', '.join(map(str, TUNE_VOICES))}:",
                 scores_at(tuning, threshold))
    print_scores(f"{args.mode}, threshold {threshold}, held-out voices {', '.join(map(str, TEST_VOICES))}:",
                 scores_at(decode_all(TEST_VOICES, args.mode, extra), threshold), args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

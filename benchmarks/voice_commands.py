"""Misses and false accepts of the spoken commands, on speech synthesised by espeak-ng.

Voices and speeds are split in two: the acceptance thresholds (a pair per command) are chosen
on the tuning voices (``--tune`` searches them and prints the result), and the rates are reported
on five other voices, none used for tuning. Each condition is one stream of command utterances ("stop", "please
stop", ...) interleaved with speech holding no command (sentences, short words such as "top" or
"hang on", and with ``--coach`` the coach's own spoken texts), with white noise at 20 and 10 dB
signal-to-noise ratio or none.

    .venv/bin/python benchmarks/voice_commands.py [--mode commands|rating] [--coach] [--tune] [-v]

Prints per noise level and in total: the miss rate (commands not recognised) and false accepts
(phrases recognised in speech or pauses holding no command), per utterance and per minute of such
speech, then per command: said, missed, and falsely accepted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools  # noqa: E402

from posecoach.control.speech import COMMAND_SEARCH, COMMANDS, THRESHOLD, THRESHOLDS, Heard, Spotter  # noqa: E402
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
            spotter = Spotter(accept_all=True, seed=k)
            if mode != COMMAND_SEARCH:
                spotter.set_mode(mode)
            heard = spotter.feed(stream.audio) + spotter.flush()
            out.append((f"{voice} {key}", stream, heard))
    return out


Thresholds = dict[str, tuple[float, float]]
#: The spotter takes a number on its utterance score alone; ``--mode rating --tune`` searches a
#: word threshold as well, to see whether one would help.
NUMBER_WORD_THRESHOLD = -99.0


def passes(h: Heard, thresholds: Thresholds, number_threshold: float = THRESHOLD,
           number_word: float = NUMBER_WORD_THRESHOLD) -> bool:
    """The spotter's own test (``Spotter._passes``) on a phrase reported at any score."""
    if h.phrase not in thresholds:
        return h.score >= number_threshold and h.word_score >= number_word
    a, b = thresholds[h.phrase]
    return h.score >= a and h.word_score >= b


def scores_at(decoded: list[tuple[str, Stream, list[Heard]]], thresholds: Thresholds,
              number_threshold: float = THRESHOLD, number_word: float = NUMBER_WORD_THRESHOLD) -> dict[str, Score]:
    out: dict[str, Score] = {}
    for label, stream, heard in decoded:
        s = score(stream, [h for h in heard if passes(h, thresholds, number_threshold, number_word)], label)
        out.setdefault(label.split()[-1], Score()).add(s)
    return out


def print_scores(title: str, scores: dict[str, Score], verbose: bool = False) -> None:
    print(title)
    all_ = Score()
    for key, s in scores.items():
        all_.add(s)
        _line(key, s)
    _line("all", all_)
    for key, s in [*scores.items(), ("all", all_)]:
        per = ", ".join(f"{p} {v[0] - v[1]}/{v[0]} missed {v[2]} false" for p, v in sorted(s.by_phrase.items()))
        print(f"  {key:>6} per command: {per}")
    if verbose:
        for e in all_.errors:
            print("   ", e)


def _line(key: str, s: Score) -> None:
    per_min = s.false_in_negatives / (s.negative_s / 60) if s.negative_s else float("nan")
    print(f"  {key:>6}: miss {s.commands - s.hits}/{s.commands} ({100 * s.miss_rate:.1f} %), "
          f"false accepts {s.false_in_negatives}/{s.negatives} no-command utterances "
          f"({100 * s.false_accepts_per_utterance:.1f} %, {per_min:.2f}/min of such speech), "
          f"wrong phrase on a command {s.false_accepts - s.false_in_negatives}")


#: What a false accept costs against a miss (1) when tuning: a false pain stop ends the set.
FALSE_COST = {"stop": 3.0}
GRID = [-99.0] + [x / 4 for x in range(-28, -3)]


def tune(decoded: list[tuple[str, Stream, list[Heard]]]) -> Thresholds:
    """Per command, the (utterance, word) threshold pair with the fewest misses plus 2 x false
    accepts (3 x for "stop") on the tuning voices. Commands are tuned one at a time: a phrase's
    hits and false accepts depend only on what is reported as that phrase."""
    out: Thresholds = {}
    for phrase in COMMANDS:
        best: tuple[float, float, float, int, int] | None = None
        mine = [(label, stream, [h for h in heard if h.phrase == phrase]) for label, stream, heard in decoded]
        for a, b in itertools.product(GRID, GRID):
            hits = misses = false = 0
            for label, stream, heard in mine:
                s = score(stream, [h for h in heard if h.score >= a and h.word_score >= b], label)
                said, hit, fa = s.by_phrase.get(phrase, [0, 0, 0])
                hits, misses, false = hits + hit, misses + said - hit, false + fa
            cost = misses + FALSE_COST.get(phrase, 2.0) * false
            if best is None or cost < best[2] or (cost == best[2] and (a, b) < (best[0], best[1])):
                best = (a, b, cost, misses, false)
        assert best is not None
        print(f"  {phrase}: thresholds ({best[0]}, {best[1]}): missed {best[3]}, false accepts {best[4]}")
        out[phrase] = (best[0], best[1])
    return out


def tune_rating(decoded: list[tuple[str, Stream, list[Heard]]]) -> tuple[float, float]:
    """The one (utterance, word) threshold pair for all numbers with the fewest misses plus
    2 x false accepts (a number taken from other speech, or the wrong number) on the tuning voices."""
    best: tuple[float, float, float, int, int] | None = None
    for a, b in itertools.product(GRID, GRID):
        misses = false = 0
        for label, stream, heard in decoded:
            s = score(stream, [h for h in heard if h.score >= a and h.word_score >= b], label)
            misses, false = misses + s.commands - s.hits, false + s.false_accepts
        cost = misses + 2.0 * false
        if best is None or cost < best[2]:
            best = (a, b, cost, misses, false)
    assert best is not None
    print(f"  numbers: thresholds ({best[0]}, {best[1]}): missed {best[3]}, false accepts {best[4]}")
    return best[0], best[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["commands", "rating"], default="commands")
    ap.add_argument("--coach", action="store_true", help="add the coach's own spoken texts to the negatives")
    ap.add_argument("--tune", action="store_true", help="search the thresholds on the tuning voices")
    ap.add_argument("--tune-only", action="store_true", help="stop after the tuning voices (no held-out figures)")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every miss and false accept")
    args = ap.parse_args()
    extra = coach_texts() if args.coach else []
    thresholds: Thresholds = dict(THRESHOLDS) if args.mode == COMMAND_SEARCH else {}
    number_threshold, number_word = THRESHOLD, NUMBER_WORD_THRESHOLD
    tuning = decode_all(TUNE_VOICES, args.mode, extra)
    if args.tune and args.mode == COMMAND_SEARCH:
        thresholds = tune(tuning)
        print(f"chosen thresholds: {thresholds} (in use: {THRESHOLDS})")
    elif args.tune:
        number_threshold, number_word = tune_rating(tuning)
        print(f"chosen number thresholds: ({number_threshold}, {number_word}) (in use: {THRESHOLD}, none)")
    shown = thresholds or f"({number_threshold}, {number_word}) for numbers"
    # the tuning voices' misses and false accepts are listed only when no held-out figures follow
    print_scores(f"{args.mode}, thresholds {shown}, tuning voices {', '.join(map(str, TUNE_VOICES))}:",
                 scores_at(tuning, thresholds, number_threshold, number_word), args.verbose and args.tune_only)
    if args.tune_only:
        return 0
    print_scores(f"{args.mode}, thresholds {shown}, held-out voices {', '.join(map(str, TEST_VOICES))}:",
                 scores_at(decode_all(TEST_VOICES, args.mode, extra), thresholds, number_threshold, number_word), args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

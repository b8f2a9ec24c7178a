"""faster-whisper the plain way on one file, as `make bench` compares the pipeline against: the same model
(Whisper base from models/ unless --model), beam 5, the VAD filter, word timestamps, language detected;
every segment consumed. Prints the number of segments and words.

    .venv/bin/python tools/plain_whisper.py FILE [--compute-type int8] [--model base]
"""

from __future__ import annotations

import argparse

from pipeline.models import hub_offline
from pipeline.stages.transcribe import resolve_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--compute-type", default="float32")
    parser.add_argument("--model", default="base")
    args = parser.parse_args()
    hub_offline()
    from faster_whisper import WhisperModel

    target, _ = resolve_model(args.model)
    model = WhisperModel(target, device="cpu", compute_type=args.compute_type, local_files_only=True)
    segments, _ = model.transcribe(args.file, beam_size=5, vad_filter=True, word_timestamps=True)
    segments = list(segments)
    print(f"{len(segments)} segments, {sum(len(s.words or ()) for s in segments)} words")


if __name__ == "__main__":
    main()

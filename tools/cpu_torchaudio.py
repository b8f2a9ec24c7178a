"""Make torchaudio importable beside the CPU build of torch.

PyPI's torchaudio 2.11 wheel carries compiled extensions linked against CUDA libraries (libc10_cuda.so)
that the CPU torch 2.13.0 does not have, so `import torchaudio` fails. pyannote.audio uses only
torchaudio's pure-Python parts (kaldi-compatible features, resampling); without its compiled libraries
torchaudio imports and those parts work. This script moves the compiled libraries aside (renamed
*.so.disabled) only when they fail to load, then checks that torchaudio and pyannote.audio import.
Idempotent: run it after every install.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

CHECK = "import torchaudio, torchaudio.compliance.kaldi, pyannote.audio"


def imports_ok() -> tuple[bool, str]:
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    return proc.returncode == 0, (proc.stderr.strip().splitlines() or [""])[-1]


def main() -> int:
    ok, err = imports_ok()
    if ok:
        print("torchaudio: imports as installed")
        return 0
    spec = importlib.util.find_spec("torchaudio")
    if spec is None or spec.origin is None:
        print(f"torchaudio is not installed: {err}", file=sys.stderr)
        return 1
    lib_dir = Path(spec.origin).parent / "lib"
    moved = []
    for lib in sorted(lib_dir.glob("*.so")):
        lib.rename(lib.with_name(lib.name + ".disabled"))
        moved.append(lib.name)
    ok, err2 = imports_ok()
    if not ok:
        print(f"torchaudio still does not import after disabling {moved}: {err2} (first error: {err})",
              file=sys.stderr)
        return 1
    print(f"torchaudio: disabled CUDA-linked libraries {moved}; torchaudio and pyannote.audio import")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

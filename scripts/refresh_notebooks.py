"""Re-run the tutorial notebooks in place (their stored outputs are what nbval checks) and strip the
saved widget state, which holds nothing a reader needs. Usage: python scripts/refresh_notebooks.py [NAME.ipynb ...]"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def refresh(path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace", path.name],
        cwd=path.parent, check=True, capture_output=True,
    )
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"].pop("widgets", None)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if p.name != "demo.ipynb")
    for name in names:
        refresh(NOTEBOOKS / name)

"""Command line: `python3 -m sagelite_serving serve`.

`serve` is what SageMaker passes a serving container (`docker run image
serve`); the daemon passes the same word.  Exit status: 0 after SIGTERM /
SIGINT, 1 when the user module or model failed to load (traceback on
stderr), 2 for a usage or configuration error."""
from __future__ import annotations

import sys

from .server import main as serve_main


def main(argv: list[str]) -> int:
    """Dispatch argv[1:]; returns the process exit status."""
    if len(argv) != 2 or argv[1] != "serve":
        print("usage: python3 -m sagelite_serving serve", file=sys.stderr)
        return 2
    return serve_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

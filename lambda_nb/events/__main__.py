"""`python -m lambda_nb.events ...` runs the same code as `lambda-nb event ...`."""

from __future__ import annotations

import sys

from lambda_nb.events._cli import cli_main

if __name__ == "__main__":
    sys.exit(cli_main(sys.argv[1:]))

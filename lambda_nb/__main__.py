"""`python -m lambda_nb ...` is the `lambda-nb` command."""

from lambda_nb.cli import main

raise SystemExit(main())

"""``python -m serialtrack`` runs the CLI."""

from serialtrack.service.cli import main

main()

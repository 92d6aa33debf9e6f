"""``python -m manifest_tools`` runs the CLI."""

from .cli.entry import main

if __name__ == "__main__":
    main()

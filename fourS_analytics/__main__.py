"""``python -m fourS_analytics`` is the ``fours`` command."""

from .cli import main

main()

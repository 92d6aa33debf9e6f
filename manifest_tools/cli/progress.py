"""The progress display of commands that read or copy many bytes (``log --device``,
``prepare``): files, bytes, rate and time left on stderr, rich's (installed with typer),
imported only when stderr is a terminal and the display is wanted."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

# (files finished, files in all, bytes done, bytes in all)
Update = Callable[[int, int, int, int], None]


@contextlib.contextmanager
def transfer_progress(enabled: bool, label: str) -> Iterator[Update | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (TextColumn(label + " {task.fields[files]}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None, files="")

        def update(files: int, files_total: int, size: int, size_total: int) -> None:
            bar.update(task, completed=size, total=size_total,
                       files=f"{files:,}/{files_total:,} files")

        yield update

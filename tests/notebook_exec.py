"""Run a notebook top to bottom in a fresh kernel (nbclient), optionally with extra environment variables."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _client(path: Path, allow_errors: bool, timeout: int):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    return nb, NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                              resources={"metadata": {"path": str(path.parent)}})


def execute(path: Path, *, env: dict[str, str] | None = None, allow_errors: bool = False, timeout: int = 300):
    """Execute the notebook at ``path`` in its own folder and return the executed ``NotebookNode``.

    ``env`` is added to this process's environment for the kernel only (the test process keeps its own).
    With ``allow_errors`` every cell runs even after one fails, so all failing claims are reported at once.
    """
    return execute_many([(path, env)], allow_errors=allow_errors, timeout=timeout, jobs=1)[0]


def execute_many(runs, *, allow_errors: bool = False, timeout: int = 300, jobs: int = 2):
    """Execute ``[(path, env), …]``, ``jobs`` kernels at a time in one event loop; the notebooks in order."""

    async def main():
        gate = asyncio.Semaphore(jobs)

        async def one(path, env):
            nb, client = _client(path, allow_errors, timeout)
            kwargs = {} if env is None else {"env": {**os.environ, **env}}
            async with gate:
                await client.async_execute(**kwargs)
            return nb

        return await asyncio.gather(*(one(path, env) for path, env in runs))

    # A fresh thread has no event loop of its own; the test process may already run one (Playwright's sync API)
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, main()).result()


def errors(nb) -> list[str]:
    """One line per failing code cell: its index, the exception, and the cell's last source line."""
    out = []
    code_index = -1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_index += 1
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                lines = [line for line in cell.source.splitlines() if line.strip().startswith("assert")]
                where = lines[0].strip() if lines else cell.source.strip().splitlines()[-1]
                out.append(f"code cell {code_index}: {output.ename}: {output.evalue[:200]}  [{where[:160]}]")
    return out

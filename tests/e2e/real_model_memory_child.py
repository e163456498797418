"""Load a model the way the app does, fill its context, and print what was estimated and measured.

Run as ``python -m tests.e2e.real_model_memory_child MODEL FOLDER CONTEXT`` by test_real_model.py, in a
process of its own, so that the memory it measures grows from a clean start. Prints one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from llama_cpp import Llama

from desktop.llm.models.fit import LoadShape
from tests.fixtures.bare_models import bare_model_service

TEXT = "The sea is wide and deep, and the wind moves over it all day. "


async def measure(model: Path, folder: Path, context: int) -> dict[str, int]:
    service = bare_model_service(folder)
    try:
        state = await service.load(model, LoadShape(context=context))
        assert state.estimate is not None and state.measured is not None

        def fill(llama: Llama) -> None:
            tokens = llama.tokenize((TEXT * context).encode())[: context - 1]
            llama.eval(tokens)

        await service.run_on_model(fill)
        full = state.measured.now(await service.measure())
        return {
            "estimated_resident": state.estimate.ram_resident_bytes,
            "measured_after_load": state.measured.now(None),
            "estimated_needs": state.estimate.ram_bytes,
            "measured_full": full,
        }
    finally:
        service.close()


if __name__ == "__main__":
    model, folder, context = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(asyncio.run(measure(model, folder, context))))

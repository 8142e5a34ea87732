"""Serialized TensorRT engines (``.engine``/``.plan``): their layer information, read through
TensorRT's own IEngineInspector. This is the one input that needs the ``tensorrt`` package (and a
GPU that can deserialize the engine); it is imported only here, only when such a file is given.
"""

from __future__ import annotations

import json
from pathlib import Path

from trtprof.errors import InputError

ENGINE_SUFFIXES = (".engine", ".plan", ".trt")

_NO_TENSORRT = ("is a serialized TensorRT engine; reading it needs the tensorrt Python package "
                "(pip install 'trtprof[tensorrt]', from NVIDIA's index) and a GPU. Without it, "
                "export its layers once with `trtexec --loadEngine={name} --exportLayerInfo="
                "layers.json --profilingVerbosity=detailed` (engine built with detailed "
                "verbosity) and pass layers.json")


def _import_tensorrt():
    try:
        import tensorrt  # noqa: PLC0415 - optional, heavy, GPU-only dependency
    except ImportError:
        return None
    return tensorrt


def parse_engine_file(path: str | Path):
    """EngineLayers of a serialized engine, or InputError saying what is missing."""
    p = Path(path)
    trt = _import_tensorrt()
    if trt is None:
        raise InputError(_NO_TENSORRT.format(name=p.name), path=str(p))
    logger = trt.Logger(trt.Logger.ERROR)
    runtime = trt.Runtime(logger)
    engine = runtime.deserialize_cuda_engine(p.read_bytes())
    if engine is None:
        raise InputError("TensorRT could not deserialize this engine (built by another TensorRT "
                         "version or for another GPU?)", path=str(p))
    inspector = engine.create_engine_inspector()
    info = json.loads(inspector.get_engine_information(trt.LayerInformationFormat.JSON))
    from trtprof.parsers.layer_json import load_layer_json
    layers = load_layer_json(info, str(p))
    layers.trt_version = getattr(trt, "__version__", None)
    return layers

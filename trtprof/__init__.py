"""trtprof: profiling and bottleneck diagnosis for NVIDIA TensorRT inference."""

__version__ = "0.1.0"

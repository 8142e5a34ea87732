"""The built-in rules. Each module registers its rules on import."""

from trtprof.rules import fusion, gemm_share, memory, precision, reformat, timeline  # noqa: F401

"""The built-in rules. Each module registers its rules on import."""

from trtprof.rules import (fusion, gemm_share, host, memory, precision, reformat,  # noqa: F401
                           timeline)

"""Input parsers, installed as ``trtprof.parsers``: one module per input kind.

Each parser reads one file and returns plain data (pandas frames, dataclasses) for the model in
``trtprof.model``; none of them computes metrics or findings.
"""

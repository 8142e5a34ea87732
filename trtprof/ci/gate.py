"""The CI gate: thresholds over a BASE -> HEAD comparison (``trtprof.ci.compare``).

How a timing check decides (latency and GPU time per inference):

1. effect = HEAD median / BASE median - 1. At or under the threshold (``max_latency_regression``,
   5% by default): pass.
2. Over the threshold, with at least ``min_iterations`` per-inference values on both sides: a
   one-sided Mann-Whitney U test asks whether HEAD's values are shifted up. If p >= ``alpha``
   (0.01) the difference is jitter: the check passes as "noise". Otherwise it fails.
3. Over the threshold without enough per-inference values (logs, profile JSON, short traces):
   no test is possible, so the threshold is widened by ``noise`` (2 points by default) and the
   check fails only beyond that.

Throughput and GPU compute come from trtexec's performance summary (no per-inference values:
the widened threshold applies). The latency check is skipped when the two sides measure
latency differently (a trace's inference ranges vs trtexec's host latency).

A gate in which no check compared anything (every one skipped) does not pass: its verdict is
"nothing compared" (exit 0, so a job without data is not failed by default); ``require`` /
``--require CHECK`` makes a skipped check a failure (``any``: at least one check compares).

So a regression must be both large (over the threshold) and real (significant, or beyond the
widened threshold): a big run is not failed for a tiny but significant shift, and a noisy
small run is not failed for a large-looking median swing. Share checks (GEMM, Tensor Core,
reformat) are ratios of kernel time, which barely move between runs of one engine; they compare
directly. New findings fail when their severity is at or above ``fail_on_new_findings``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from trtprof.ci.compare import headline_row
from trtprof.config import check_keys, read_toml
from trtprof.errors import UsageError

SEVERITIES = ("high", "medium", "low", "info")


@dataclass
class GateConfig:
    """Gate thresholds. Fractions: 0.05 = 5%. ``None`` switches a check off."""
    max_latency_regression: float | None = 0.05     # relative growth of median latency
    max_gpu_time_regression: float | None = 0.05    # relative growth of median GPU time/inference
    max_throughput_drop: float | None = 0.05        # relative drop of trtexec's throughput
    max_gpu_compute_regression: float | None = 0.05  # relative growth of trtexec's GPU compute
    min_gemm_share: float | None = None             # absolute floor on HEAD
    max_gemm_share_drop: float | None = 0.05        # absolute points BASE -> HEAD
    min_tensor_core_share: float | None = None
    max_tensor_core_share_drop: float | None = 0.05
    max_reformat_share: float | None = None         # absolute ceiling on HEAD
    max_reformat_share_increase: float | None = 0.02
    max_kernel_count_increase: float | None = None  # relative growth of kernels per inference
    fail_on_new_findings: str = "high"              # a severity, or "none"
    noise: float = 0.02          # extra allowance when jitter cannot be tested (no iterations)
    alpha: float = 0.01          # significance level of the per-iteration test
    min_iterations: int = 10     # per side, for the test
    require: list[str] = field(default_factory=list)   # check ids (or prefixes) that must compare

    def validate(self, where: str = "gate", path: str | None = None) -> "GateConfig":
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "require":
                check_require(value, f"{where}.require", path)
                continue
            if f.name == "fail_on_new_findings":
                if value is False:
                    self.fail_on_new_findings = value = "none"
                if value not in (*SEVERITIES, "none"):
                    raise UsageError(f"{where}.{f.name}: expected one of "
                                     f"{', '.join((*SEVERITIES, 'none'))}, got {value!r}", path=path)
                continue
            if f.name == "min_iterations":
                if not isinstance(value, int) or isinstance(value, bool) or value < 2:
                    raise UsageError(f"{where}.{f.name}: expected an integer >= 2, got {value!r}",
                                     path=path)
                continue
            if value is False and f.name not in ("noise", "alpha"):
                setattr(self, f.name, None)       # TOML has no null: false switches a check off
                continue
            if value is None and f.name not in ("noise", "alpha"):
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise UsageError(f"{where}.{f.name}: expected a number, got {value!r}", path=path)
            hi = 0.5 if f.name == "alpha" else 1.0
            if not 0 <= value <= hi or (f.name == "alpha" and value == 0):
                raise UsageError(f"{where}.{f.name}: {value!r} is out of range; expected a "
                                 f"fraction up to {hi} (0.05 = 5%)", path=path)
            setattr(self, f.name, float(value))
        return self

    def to_dict(self) -> dict:
        return asdict(self)


GATE_KEYS = {f.name for f in fields(GateConfig)}
# every check id the gate can produce; ``require`` names these, or a prefix ("gemm_share")
CHECK_IDS = ("latency", "gpu_time", "throughput", "gpu_compute", "gemm_share.min",
             "gemm_share.drop", "tensor_core_share.min", "tensor_core_share.drop",
             "reformat_share.max", "reformat_share.increase", "kernels_per_inference",
             "new_findings")


def _matches(check_id: str, wanted: str) -> bool:
    return check_id == wanted or check_id.startswith(wanted + ".")


def check_require(value: object, label: str, path: str | None = None) -> None:
    """A UsageError unless ``value`` is a list of known check ids or prefixes (or "any")."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{label}: expected a list of check ids, got {value!r}", path=path)
    bad = [v for v in value if v != "any" and not any(_matches(c, v) for c in CHECK_IDS)]
    if bad:
        raise UsageError(f"{label}: unknown check {bad[0]!r}; known: {', '.join(CHECK_IDS)}, "
                         "any", path=path)


def gate_config_from_dict(section: dict, path: str | Path | None = None) -> GateConfig:
    """A validated GateConfig from a [gate] table; unknown keys are errors naming the key."""
    check_keys(section, GATE_KEYS, "gate", path or "<config>")
    return GateConfig(**section).validate(path=str(path) if path else None)


def load_gate_config(path: str | Path) -> GateConfig:
    """[gate] of a trtprof.toml, or [tool.trtprof.gate] of a pyproject.toml."""
    from trtprof.config import load_config
    load_config(path)              # validates the top level and [analyze] too
    section = read_toml(path).get("gate", {})
    if not isinstance(section, dict):
        raise UsageError("gate: expected a table ([gate])", path=str(path))
    return gate_config_from_dict(section, path)


def find_config(cwd: str | Path = ".") -> Path | None:
    """./trtprof.toml, else ./pyproject.toml when it has a [tool.trtprof] table."""
    here = Path(cwd)
    if (here / "trtprof.toml").is_file():
        return here / "trtprof.toml"
    py = here / "pyproject.toml"
    if py.is_file() and read_toml(py):
        return py
    return None


@dataclass
class Check:
    id: str
    label: str
    status: str                  # pass | fail | noise (over the threshold, not significant) | skip
    detail: str
    base: float | None = None
    head: float | None = None
    limit: float | None = None

    @property
    def failed(self) -> bool:
        return self.status == "fail"


@dataclass
class GateResult:
    checks: list[Check] = field(default_factory=list)
    config: dict = field(default_factory=dict)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.failed]

    @property
    def compared(self) -> int:
        """Checks that compared something (passed, failed, or within noise)."""
        return sum(c.status != "skip" for c in self.checks)

    @property
    def counts(self) -> str:
        """"4 of 8 checks compared, 4 skipped", or "" when every check compared."""
        skipped = len(self.checks) - self.compared
        return f"{self.compared} of {len(self.checks)} checks compared, {skipped} skipped" \
            if skipped else ""

    @property
    def verdict(self) -> str:
        """passed | failed | nothing compared"""
        if self.failures:
            return "failed"
        return "passed" if self.compared else "nothing compared"

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def to_dict(self) -> dict:
        return {"passed": self.passed, "verdict": self.verdict, "compared": self.compared,
                "checks": [asdict(c) for c in self.checks], "config": self.config}


def _pct(x: float) -> str:
    return f"{x * 100 + 0.0:+.1f}%"   # + 0.0: never "-0.0%"


def _timing_check(comparison: dict, cid: str, label: str, key: str, noise_key: str | None,
                  limit: float, cfg: GateConfig, higher_is_better: bool = False) -> Check:
    row = headline_row(comparison, key) or {}
    b, h = row.get("base"), row.get("head")
    if b is None or h is None or not b or (higher_is_better and not h):
        return Check(cid, label, "skip", "not measured on both sides", b, h, limit)
    noise = (comparison.get("noise") or {}).get(noise_key) or {} if noise_key else {}
    # a regression is positive: growth of a time, or the relative drop of a rate
    effect = (1 - h / b) if higher_is_better else (h / b - 1)
    if noise.get("n_base") is not None and noise.get("n_head") is not None:
        # medians of the per-iteration values: the same numbers the test looks at
        if noise.get("base_median"):
            effect = noise["head_median"] / noise["base_median"] - 1
    def change(x: float) -> str:   # a drop is shown as the negative change it is
        return _pct(-x if higher_is_better else x)
    if effect <= limit:
        return Check(cid, label, "pass", f"{change(effect)} (limit {change(limit)})", b, h, limit)
    p = noise.get("p_increase")
    enough = (noise.get("n_base") or 0) >= cfg.min_iterations and \
        (noise.get("n_head") or 0) >= cfg.min_iterations
    if enough and p is not None:
        if p >= cfg.alpha:
            return Check(cid, label, "noise",
                         f"{change(effect)} is over {change(limit)} but within run-to-run jitter "
                         f"(Mann-Whitney p={p:.2g} >= {cfg.alpha:g}, {noise['n_base']} vs "
                         f"{noise['n_head']} inferences)", b, h, limit)
        return Check(cid, label, "fail",
                     f"{change(effect)} exceeds {change(limit)} (significant: Mann-Whitney "
                     f"p={p:.2g}, {noise['n_base']} vs {noise['n_head']} inferences)", b, h, limit)
    widened = limit + cfg.noise
    if effect <= widened:
        return Check(cid, label, "noise",
                     f"{change(effect)} is over {change(limit)} but within the noise allowance "
                     f"({change(widened)}; too few inferences to test)", b, h, limit)
    return Check(cid, label, "fail", f"{change(effect)} exceeds {change(limit)} plus the noise "
                 f"allowance ({change(widened)}; too few inferences to test)", b, h, limit)


def _share_checks(comparison: dict, cfg: GateConfig) -> list[Check]:
    out = []
    specs = [  # (id, label, key, floor, max drop, ceiling, max increase)
        ("gemm_share", "GEMM share", "gemm_share", cfg.min_gemm_share, cfg.max_gemm_share_drop,
         None, None),
        ("tensor_core_share", "Tensor Core share", "tensor_core_share",
         cfg.min_tensor_core_share, cfg.max_tensor_core_share_drop, None, None),
        ("reformat_share", "Reformat share", "reformat_share", None, None,
         cfg.max_reformat_share, cfg.max_reformat_share_increase),
    ]
    for cid, label, key, floor, drop, ceiling, rise in specs:
        row = headline_row(comparison, key) or {}
        b, h = row.get("base"), row.get("head")
        for kind, limit in (("min", floor), ("drop", drop), ("max", ceiling), ("increase", rise)):
            if limit is None:
                continue
            name = {"min": f"{label} floor", "drop": f"{label} drop", "max": f"{label} ceiling",
                    "increase": f"{label} increase"}[kind]
            need_base = kind in ("drop", "increase")
            if h is None or (need_base and b is None):
                out.append(Check(f"{cid}.{kind}", name, "skip", "not measured on both sides"
                                 if need_base else "not measured", b, h, limit))
                continue
            pts = lambda x: f"{x * 100:.1f}%"  # noqa: E731
            if kind == "min":
                ok, text = h >= limit, f"{pts(h)} (floor {pts(limit)})"
            elif kind == "max":
                ok, text = h <= limit, f"{pts(h)} (ceiling {pts(limit)})"
            elif kind == "drop":
                ok = b - h <= limit + 1e-12
                text = f"{pts(b)} -> {pts(h)} ({(h - b) * 100:+.1f} points, limit " \
                       f"-{limit * 100:.1f})"
            else:
                ok = h - b <= limit + 1e-12
                text = f"{pts(b)} -> {pts(h)} ({(h - b) * 100:+.1f} points, limit " \
                       f"+{limit * 100:.1f})"
            out.append(Check(f"{cid}.{kind}", name, "pass" if ok else "fail", text, b, h, limit))
    return out


def _kernel_check(comparison: dict, cfg: GateConfig) -> list[Check]:
    limit = cfg.max_kernel_count_increase
    if limit is None:
        return []
    row = headline_row(comparison, "kernels_per_inference") or {}
    b, h = row.get("base"), row.get("head")
    if not b or h is None:
        return [Check("kernels_per_inference", "Kernels / inference", "skip",
                      "not measured on both sides", b, h, limit)]
    effect = h / b - 1
    return [Check("kernels_per_inference", "Kernels / inference",
                  "pass" if effect <= limit + 1e-12 else "fail",
                  f"{b:.0f} -> {h:.0f} ({_pct(effect)}, limit {_pct(limit)})", b, h, limit)]


def _findings_check(comparison: dict, cfg: GateConfig) -> list[Check]:
    if cfg.fail_on_new_findings == "none":
        return []
    rank = SEVERITIES.index(cfg.fail_on_new_findings)
    appeared = (comparison.get("findings") or {}).get("appeared") or []
    bad = [f for f in appeared if f.get("severity") in SEVERITIES and
           SEVERITIES.index(f["severity"]) <= rank]
    sev = cfg.fail_on_new_findings
    label = f"New findings ({sev}{' or worse' if sev != 'high' else ''})"
    idle = [side for side in ("base", "head")
            if (comparison.get(side) or {}).get("rules_evaluated") == []]
    if idle:
        return [Check("new_findings", label, "skip",
                      f"no rule could run on {' and '.join(s.upper() for s in idle)}")]
    if not bad:
        return [Check("new_findings", label, "pass", f"none ({len(appeared)} new below {sev})"
                      if appeared else "none")]
    kinds = ", ".join(sorted({f.get("kind", "?") for f in bad}))
    return [Check("new_findings", label, "fail", f"{len(bad)} new: {kinds}", 0, len(bad), 0)]


def _latency_check(comparison: dict, cfg: GateConfig, limit: float) -> Check:
    sources = [(comparison.get(side) or {}).get("latency_source") for side in ("base", "head")]
    if all(sources) and sources[0] != sources[1]:
        row = headline_row(comparison, "latency_median_ns") or {}
        return Check("latency", "Latency regression", "skip",
                     f"not the same measure ({sources[0]} vs {sources[1]})", row.get("base"),
                     row.get("head"), limit)
    return _timing_check(comparison, "latency", "Latency regression", "latency_median_ns",
                         "latency", limit, cfg)


def _required(checks: list[Check], require: list[str]) -> list[Check]:
    """Skipped checks that ``require`` names become failures; ``any`` fails a gate in which
    nothing compared."""
    out = []
    for c in checks:
        if c.status == "skip" and any(_matches(c.id, r) for r in require):
            c = Check(c.id, c.label, "fail", f"required, but {c.detail}", c.base, c.head,
                      c.limit)
        out.append(c)
    if "any" in require and not any(c.status != "skip" for c in out):
        out.append(Check("any", "Anything compared", "fail",
                         "required, but no check compared anything"))
    named = [r for r in require if r != "any"]
    for r in named:
        if not any(_matches(c.id, r) for c in out):
            out.append(Check(r, r, "fail", "required, but the check is switched off"))
    return out


def evaluate_gate(comparison: dict, config: GateConfig | None = None) -> GateResult:
    """Every configured check over ``comparison``. It passes when none failed and at least one
    compared something; skipped checks neither pass nor fail unless required."""
    cfg = config or GateConfig()
    checks: list[Check] = []
    if cfg.max_latency_regression is not None:
        checks.append(_latency_check(comparison, cfg, cfg.max_latency_regression))
    if cfg.max_gpu_time_regression is not None:
        checks.append(_timing_check(comparison, "gpu_time", "GPU time / inference regression",
                                    "gpu_time_per_inference_ns", "gpu_time",
                                    cfg.max_gpu_time_regression, cfg))
    if cfg.max_throughput_drop is not None:
        checks.append(_timing_check(comparison, "throughput", "Throughput drop (trtexec)",
                                    "throughput_qps", None, cfg.max_throughput_drop, cfg,
                                    higher_is_better=True))
    if cfg.max_gpu_compute_regression is not None:
        checks.append(_timing_check(comparison, "gpu_compute", "GPU compute regression "
                                    "(trtexec)", "gpu_compute_median_ns", None,
                                    cfg.max_gpu_compute_regression, cfg))
    checks += _share_checks(comparison, cfg)
    checks += _kernel_check(comparison, cfg)
    checks += _findings_check(comparison, cfg)
    return GateResult(checks=_required(checks, cfg.require), config=cfg.to_dict())

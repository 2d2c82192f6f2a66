"""The `bench` report: figures, the issue's targets, and notes on how far to trust them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import psutil

from benchmarks.proc import CpuWindow

TARGET_RATIO = 0.15  # of the echo baseline
TARGET_P99_MS = 50.0


@dataclass(frozen=True)
class BenchReport:
    messages: int
    concurrency: int
    kb_size: int
    msgs_per_s: float
    echo_msgs_per_s: float
    ratio: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    echo_p50_ms: float
    echo_p99_ms: float
    errors: int
    echo_errors: int
    startup_seconds: float
    startup_rss_mb: float
    peak_rss_mb: float
    routes: dict[str, int]
    service_exit_code: int | None  # None: had to be killed after SIGTERM
    service_cpu: float  # share of one core during the measured window
    generator_cpu: float  # the load generator's share of one core (service run)
    echo_generator_cpu: float  # ... during the echo run; near 1.0 means the echo figure is a floor
    background_cpu: float  # share of the machine used by other processes during the service run
    cpus: int
    python: str
    first_error: str | None = None
    note: str = ""
    meets_targets: dict[str, bool] = field(default_factory=dict)

    @property
    def clean_exit(self) -> bool:
        return self.service_exit_code == 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render_text(self) -> str:
        def met(key: str) -> str:
            return "met" if self.meets_targets.get(key) else "NOT met"

        routes = ", ".join(f"{k} {v}" for k, v in self.routes.items()) or "-"
        lines = [
            f"bench: {self.messages} messages at concurrency {self.concurrency}, "
            f"knowledge base {self.kb_size:,} FAQs (Python {self.python}, {self.cpus} CPUs)",
            f"  service  {self.msgs_per_s:9,.1f} msg/s  p50 {self.p50_ms:6.1f} ms  "
            f"p95 {self.p95_ms:6.1f} ms  p99 {self.p99_ms:6.1f} ms  errors {self.errors}",
            f"  echo     {self.echo_msgs_per_s:9,.1f} msg/s  p50 {self.echo_p50_ms:6.1f} ms  "
            f"{'':15}p99 {self.echo_p99_ms:6.1f} ms  errors {self.echo_errors}",
            f"  ratio    {self.ratio:.3f} (target >= {TARGET_RATIO}: {met('ratio')}); "
            f"p99 target <= {TARGET_P99_MS:.0f} ms: {met('p99')}",
            f"  startup  {self.startup_seconds:.1f} s; RSS {self.startup_rss_mb:.0f} MB after start, "
            f"peak {self.peak_rss_mb:.0f} MB",
            f"  routes   {routes}",
            f"  cpu      service {self.service_cpu:.0%} of a core, load generator {self.generator_cpu:.0%} "
            f"(echo run {self.echo_generator_cpu:.0%}), "
            f"other processes {self.background_cpu:.0%} of the machine",
            f"  service exit code {'killed' if self.service_exit_code is None else self.service_exit_code}",
        ]
        if self.first_error:
            lines.append(f"  first error: {self.first_error}")
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)


def notes(service: CpuWindow, gen: dict[str, Any], echo: dict[str, Any], exit_code: int | None) -> str:
    notes = []
    if echo["cpu_share"] >= 0.9:
        notes.append(
            f"the load generator was CPU-bound in the echo run ({echo['cpu_share']:.0%} of a core): the echo "
            "figure is a floor, so the ratio is an upper bound"
        )
    if gen["cpu_share"] >= 0.9:
        notes.append("the load generator was CPU-bound in the service run: service figures are a floor")
    if (psutil.cpu_count() or 1) <= 2:
        notes.append("2 or fewer CPUs: server, load generator and this process share them")
    if service.background >= 0.1:
        notes.append(f"other processes used {service.background:.0%} of the machine during the service run")
    if exit_code != 0:
        notes.append(
            "the service did not exit cleanly on SIGTERM" if exit_code is None else f"service exit {exit_code}"
        )
    return "; ".join(notes)

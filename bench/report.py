"""The results table (terminal and Markdown) and bench/results.md around it."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FINDINGS = Path(__file__).resolve().parent / "findings.md"


@dataclass(frozen=True)
class Row:
    number: str
    metric: str
    vialbook: str
    baseline: str
    ratio: float | None
    target: str
    passed: bool | None

    def cells(self) -> list[str]:
        ratio = "—" if self.ratio is None else f"{self.ratio:.3g}×"
        verdict = {True: "pass", False: "FAIL", None: "—"}[self.passed]
        return [self.number, self.metric, self.vialbook, self.baseline, ratio, self.target, verdict]


HEADER = ["#", "metric", "vialbook", "baseline, same run", "ratio", "target", "result"]


def table_text(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def render(
    rows: list[Row],
    machine: dict[str, str],
    details: dict[str, list[str]],
    generated: dict[float, dict[str, Any]],
    elapsed: float,
    args: argparse.Namespace,
) -> str:
    out = ["# vialbook benchmark results", ""]
    out += [
        "Every ratio compares vialbook with a baseline doing the same work in the same run,",
        "interleaved, because the machine is shared and absolute figures drift.",
        "Regenerate with `make bench` (flags: `.venv/bin/python bench/run.py --help`).",
        "",
        table_text(rows),
        "",
        "An infusion in vialbook is one `infusion` row and two movements (administer, waste):",
        'the issue\'s "draw, give and waste" is that pair, the draw being their sum.',
        "",
        "## Machine",
        "",
    ]
    out += [f"- {k}: {v}" for k, v in machine.items()]
    out += [f"- benchmark wall time: {elapsed:.0f} s", f"- arguments: `{_args(args)}`", ""]
    out += ["## Generated ledgers", ""]
    for scale, g in sorted(generated.items(), key=lambda kv: abs(kv[0])):
        busy = " (one busy site, for the exports)" if scale < 0 else ""
        out.append(
            f"- scale {abs(scale):g}{busy}: {g['sites']} sites × {g['days']} days, "
            f"{g['infusions']} infusions, {g['movements']} movements, {g['path']} path, written in "
            f"{g['seconds']:.1f} s ({g.get('wall_s', g['seconds']):.1f} s with journals "
            "and start-up)"
        )
    out.append("")
    out += ["## Absolute figures and profiles of this run", ""]
    for section, lines in details.items():
        out += [f"### {section}", "", "```"] + lines + ["```", ""]
    if FINDINGS.exists():
        out += [FINDINGS.read_text().rstrip(), ""]
    return "\n".join(out)


def _args(args: argparse.Namespace) -> str:
    return " ".join(
        f"--{k.replace('_', '-')}={v}"
        for k, v in sorted(vars(args).items())
        if k not in ("work", "out")
    )

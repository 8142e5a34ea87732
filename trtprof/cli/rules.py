"""`trtprof rules`: every finding rule, the data it needs and its thresholds with defaults."""

from __future__ import annotations

import json

import click


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_cmd(fmt):
    """List the finding rules and their tunable thresholds (--threshold RULE.NAME=VALUE, or
    [analyze.thresholds] in trtprof.toml).

    Fractions take values from 0 to 1 (0.02 = 2% of GPU time); integer thresholds (sizes in
    bytes, times in ns, counts) take integers >= 0.
    """
    from trtprof.rules import REGISTRY, load_rules
    load_rules()
    rows = [{"rule": r.id, "needs": list(r.needs), "thresholds": dict(r.defaults),
             "doc": " ".join(r.doc.split("\n\n")[0].split())} for r in REGISTRY.values()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        needs = ", ".join(n.replace("any:", "").replace("|", " or ") for n in row["needs"])
        click.echo(f"{row['rule']}  (needs {needs})")
        click.echo(f"    {row['doc']}")
        for name, value in row["thresholds"].items():
            click.echo(f"    {row['rule']}.{name} = {value}")

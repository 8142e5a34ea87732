"""`trtprof classify` (placeholder until the classifier lands)."""
import click


@click.command("classify")
def classify():
    """Classify kernel names (not yet implemented)."""
    raise click.ClickException("not implemented yet")

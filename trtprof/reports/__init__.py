"""Renderers: one module per output format. They format a report; they compute nothing."""

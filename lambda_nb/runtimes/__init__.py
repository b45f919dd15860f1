"""Runtimes: what starts inside an execution environment and talks to the Runtime API."""

"""The command-line front end: one module per area, each registering its commands.

launch.py assembles the parser from these modules and dispatches; a handler only turns
arguments into calls of the core and results into text or one JSON document. Nothing here
imports gradio, so CLI commands start without the UI's weight.
"""

"""The UI's tabs, one module each (render() builds the widgets, listen() wires the events).

Library (with its model settings panel), Search, Filters (Filter & sort, Timeline,
Duplicates, Trash), Rate (with its ratings backup panel) and Train. What several tabs share
(the viewer, the facet panel, galleries) stays in app/; app/ui.py assembles the tabs.
"""

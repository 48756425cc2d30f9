"""The personal evaluator: ratings and preferences in, a model and predictions out.

Filled by the evaluator issue; the catalog already has the ratings and preferences tables.
"""

"""HTML + Markdown pages for `hiv explore` and `hiv report`.

Imported only inside command functions: the plots pull in matplotlib (Agg) and pandas.
"""

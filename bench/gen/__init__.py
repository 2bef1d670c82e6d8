"""The seeded CloudTrail evidence generator behind ``bench/generate.py``.

Records (``ids``, ``agents``, ``identities``, ``record``, ``api``), the sample's story
(``scenario``, ``personas``, ``machines``, ``incident``, ``intrusion``, ``damage``), how it is
written (``output``, ``delivery``, ``shapes``, ``sidefiles``, ``sample``) and the benchmark
sets (``benchworld``, ``benchset``). Everything is synthetic: no record comes from a data set.
"""

"""The seeded CloudTrail evidence generator behind ``bench/generate.py``.

Records (``ids``, ``agents``, ``identities``, ``record``, ``api``), the sample's story
(``scenario``, ``personas``, ``machines``, ``incident``, ``intrusion``, ``damage``), how it is
written (``output``, ``delivery``, ``shapes``, ``sidefiles``, ``sample``), what was written
(``ledger``, ``facts``) and the benchmark data (``benchworld``, ``benchset``, ``layout``,
``trailset``). Everything is synthetic: no record comes from a data set.
"""

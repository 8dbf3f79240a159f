"""The engine, in the order a run goes through it:

``recipe`` (YAML or builder -> :class:`Recipe`) -> ``graph`` (validate, check, key,
merge -> :class:`Plan`) -> ``scheduler`` (run each key once, free early ->
:class:`Result` with its :class:`Report`).  ``ops`` is the registry of node types,
``kinds`` and ``feature`` what flows along the edges, ``source`` what a run reads.
"""

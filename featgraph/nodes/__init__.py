"""Node families, one module each; importing this package registers every op.

Flow of the PLP recipe through them::

    io.load -> framing.frame -> framing.window -> spectral.rfft -> spectral.power
      -> auditory.bark_filterbank -> auditory.equal_loudness -> auditory.power_law
      -> auditory.replicate_edges -> lpc.autocorrelation -> lpc.lpc
      -> lpc.lpc_to_cepstrum -> lpc.lifter
"""
FAMILIES = ("io", "framing", "spectral", "auditory", "lpc", "cepstral", "mel", "context",
            "gammatone", "pncc", "time_domain", "periodicity", "spectral_shape", "lpcc",
            "kaldi", "shaping", "filterbank", "chroma", "cepstrum", "spectral_stats",
            "spectral_change", "spectral_fused", "constantq", "cq_features",
            "reassign", "pitch", "pyin", "pitch_spectral", "shs", "wavelets", "cwt",
            "stockwell", "nsgt", "onsets", "decompose", "beats", "functionals",
            "paralinguistic", "egemaps_spectral", "egemaps_voice", "egemaps_pitch",
            "egemaps_jitter", "egemaps_resample", "egemaps_formants", "egemaps_harmonics",
            "egemaps_voiced")
"""The node modules, one per family.  Importing ``featgraph.nodes`` itself defines no op:
:func:`featgraph.engine.ops.registry` imports them all (through the source that
``featgraph/__init__.py`` registers), while a run whose plan is cached imports only the
modules of its own ops.  A test checks that every module here is listed."""

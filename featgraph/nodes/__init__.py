"""Node families, one module each; importing this package registers every op.

Flow of the PLP recipe through them::

    io.load -> framing.frame -> framing.window -> spectral.rfft -> spectral.power
      -> auditory.bark_filterbank -> auditory.equal_loudness -> auditory.power_law
      -> auditory.replicate_edges -> lpc.autocorrelation -> lpc.lpc
      -> lpc.lpc_to_cepstrum -> lpc.lifter
"""
from . import (io, framing, spectral, auditory, lpc, cepstral, mel, context,  # noqa: F401
               gammatone, pncc, time_domain, spectral_shape, lpcc, filterbank, chroma,
               cepstrum)

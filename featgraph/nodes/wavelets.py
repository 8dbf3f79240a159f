"""Discrete wavelet transforms (DWT, SWT, wavelet packets), their inverses, and sub-band features.

The forward transforms run on featgraph's C kernels (``featgraph/native/wavelets.c``;
numpy with ``FEATGRAPH_NATIVE=0``) and reproduce PyWavelets' ``pywt.wavedec``,
``pywt.swt(trim_approx=True)`` and ``pywt.WaveletPacket`` to rounding: the same filters
(PyWavelets supplies ``Wavelet(name).dec_lo / dec_hi``: every discrete family), the same
nine boundary modes and output lengths.  One analysis step (Mallat 2009, 7.3.1)::

    a[k] = sum_j h[j] e[2k + F - 1 - j],   d[k] = sum_j g[j] e[2k + F - 1 - j]

over the signal ``e`` extended by the mode (``F - 2`` samples on the left, ``m =
floor((n + F - 1) / 2)`` coefficients; ``periodization``: ``m = ceil(n / 2)``).  The
inverses stay PyWavelets' calls.  featgraph adds the graph: one output port per level,
the wavelet packet's level in frequency order as one ``(2^L, n)`` array, and energy /
entropy per level or node.  PyWavelets is the ``wavelets`` extra (``pip install
featgraph[wavelets]``), imported only when one of these ops runs.

References
----------
S. Mallat, *A Wavelet Tour of Signal Processing*, 3rd ed., 2009: chapter 7 (the fast
wavelet transform), 8.1 (wavelet packets, frequency ordering by the Gray code).
G. Nason and B. Silverman, "The stationary wavelet transform and some statistical
applications", Lecture Notes in Statistics 103, 1995 (the undecimated transform).
G. R. Lee et al., "PyWavelets: A Python package for wavelet analysis", JOSS 4(36), 1237,
2019.
R. R. Coifman and M. V. Wickerhauser, "Entropy-based algorithms for best basis
selection", IEEE Trans. Inf. Theory 38(2), 713-718, 1992 (the Shannon entropy of a
node's normalised energies).
"""
from __future__ import annotations

import warnings
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native import wavelets as kernels

MODES = ("symmetric", "zero", "constant", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect")
"""PyWavelets' signal extension modes (``pywt.Modes.modes``)."""
Mode = Literal[MODES]  # type: ignore[valid-type]
MAX_LEVEL = 12


def pywt():
    """PyWavelets, or an ImportError naming the extra that installs it."""
    try:
        import pywt as module
    except ImportError as exc:           # pragma: no cover - the test extra installs it
        raise ImportError("the discrete wavelet ops need PyWavelets: pip install "
                          "'featgraph[wavelets]' (or pip install PyWavelets)") from exc
    return module


def _check_wavelet(name: str) -> str:
    if name not in pywt().wavelist(kind="discrete"):
        raise ValueError(f"wavelet {name!r} is not a discrete PyWavelets wavelet (see "
                         "pywt.wavelist(kind='discrete'): db1..db38, sym2..sym20, "
                         "coif1..coif17, bior1.1..bior6.8, rbio..., dmey, haar)")
    return name


class _Discrete(Node):
    """Parameters shared by the discrete transforms."""

    consumes: ClassVar = (Kind.SIGNAL,)
    streaming: ClassVar = "signal"
    wavelet: str = Field("db4", max_length=16,
                         description="PyWavelets discrete wavelet name (db4, sym8, coif3, "
                                     "bior2.2, haar ...)")
    mode: Mode = Field("symmetric", description="signal extension mode (PyWavelets' modes)")
    level: int = Field(5, ge=1, le=MAX_LEVEL, description="decomposition level L")

    _wavelet_ok = field_validator("wavelet")(classmethod(lambda cls, v: _check_wavelet(v)))


class _Inverse(Node):
    """Parameters shared by the inverse transforms: the forward transform's wavelet."""

    consumes: ClassVar = (Kind.FEATURE,)
    produces: ClassVar = Kind.SIGNAL
    streaming: ClassVar = "signal"
    wavelet: str = Field("db4", max_length=16, description="the forward transform's wavelet")

    _wavelet_ok = field_validator("wavelet")(classmethod(lambda cls, v: _check_wavelet(v)))


def level_ports(level: int, kind: Kind) -> dict[str, Kind]:
    """``{a<L>: kind, d<L>: kind, ..., d1: kind}``: PyWavelets' coefficient order."""
    return {f"a{level}": kind, **{f"d{j}": kind for j in range(level, 0, -1)}}


def _as_float(x: np.ndarray) -> np.ndarray:
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


class DWT(_Discrete):
    """Discrete wavelet transform to level L, as ``pywt.wavedec``: ports ``a<L>``, ``d<L>`` ... ``d1``.

    Level ``j`` splits the approximation ``a_{j-1}`` (``a_0`` the signal) into ``a_j`` and
    ``d_j`` by one analysis step (module docstring; Mallat 2009, 7.3.1).  Port ``a<L>``:
    the approximation after L levels; ``d<j>``: the details of level ``j`` (``j = L``
    coarsest ... ``1`` finest), each a signal ``(..., n_j)`` in the input's units at the
    rate ``sr / 2^j`` (``n_j = floor((n_{j-1} + F - 1) / 2)``, ``F`` the filter length,
    or ``ceil(n_{j-1} / 2)`` in ``periodization`` mode).  The ports follow the level:
    ``level: 3`` gives ``a3, d3, d2, d1``.  A level above ``pywt.dwt_max_level`` warns as
    PyWavelets does (every coefficient is then a boundary effect).  Coefficients equal
    PyWavelets' to rounding (1e-12 of the largest; tests/test_native_wavelets.py).

    Streaming: whole-signal (runs once on the whole input).

    Examples
    --------
    >>> import numpy as np, featgraph
    >>> y = np.random.default_rng(0).standard_normal(1000)
    >>> out = featgraph.load("dwt").run(y, sr=8000.0, level=3)
    >>> [out[k].shape for k in ("a3", "d3", "d2", "d1")]
    [(131,), (131,), (255,), (503,)]
    """

    op: Literal["dwt"] = "dwt"
    produces: ClassVar = level_ports(5, Kind.SIGNAL)

    def out_ports(self):
        return level_ports(self.level, Kind.SIGNAL)


def _filters(wavelet: str) -> tuple[np.ndarray, np.ndarray]:
    """The decomposition filters ``(dec_lo, dec_hi)`` of a PyWavelets wavelet."""
    w = pywt().Wavelet(wavelet)
    return np.asarray(w.dec_lo), np.asarray(w.dec_hi)


@DWT.compute
def dwt(x: Feature, p: DWT) -> dict[str, Feature]:
    lo, hi = _filters(p.wavelet)
    data = _as_float(x.data)
    if p.level > kernels.dwt_max_level(data.shape[-1], lo.size):
        warnings.warn(f"Level value of {p.level} is too high: all coefficients will "
                      "experience boundary effects.", UserWarning, stacklevel=2)
    coeffs = kernels.wavedec(data, lo, hi, p.mode, p.level)
    names = list(level_ports(p.level, Kind.SIGNAL))
    rates = [p.level] + list(range(p.level, 0, -1))
    return {name: x.derive(c, Kind.SIGNAL, sr=x.sr / 2 ** j)
            for name, c, j in zip(names, coeffs, rates)}


class IDWT(_Inverse):
    """One level of the inverse DWT (``pywt.idwt``): approximation and details of level j -> approximation of level j - 1.

    Inputs: the approximation ``a_j`` and the details ``d_j`` of the same level.  As in
    ``pywt.waverec``, an approximation one sample longer than the details loses its last
    sample.  Chaining ``idwt(a5, d5) -> idwt(., d4) ... idwt(., d1)`` is ``pywt.waverec``:
    the signal again (one sample more when its length was odd).  Output rate ``2 sr_j``.

    Streaming: whole-signal.
    """

    op: Literal["idwt"] = "idwt"
    consumes: ClassVar = (Kind.SIGNAL, Kind.SIGNAL)
    mode: Mode = Field("symmetric", description="the forward transform's mode")


@IDWT.compute
def idwt(a: Feature, d: Feature, p: IDWT) -> Feature:
    ca, cd = a.data, d.data
    if ca.shape[-1] == cd.shape[-1] + 1:
        ca = ca[..., :-1]
    if ca.shape[-1] != cd.shape[-1]:
        raise ValueError(f"idwt: the approximation has {ca.shape[-1]} coefficients and the "
                         f"details {cd.shape[-1]}: connect a and d of the same level")
    out = pywt().idwt(ca, cd, p.wavelet, mode=p.mode, axis=-1)
    return d.derive(np.ascontiguousarray(out.astype(d.data.dtype, copy=False)), Kind.SIGNAL,
                    sr=d.sr * 2)


class SWT(_Discrete):
    """Stationary (undecimated) wavelet transform, as ``pywt.swt(trim_approx=True)``: ports ``a<L>``, ``d<L>`` ... ``d1``, and ``stack``.

    The "algorithme a trous" (Nason & Silverman 1995): level ``j`` filters the previous
    approximation with the filters dilated by ``D = 2^(j-1)``, periodically, keeping every
    output: ``a_j[k] = sum_i h[i] a_{j-1}[(k + D F / 2 - i D) mod n]`` (``d_j``: ``g``).
    Each level port is a signal ``(..., n)`` at the input rate, in the input's units.  Port
    ``stack``: the same ``L + 1`` rows in that order as one ``(..., L + 1, n)`` feature
    (hop 1, axis the nominal centre of each row's band in Hz: ``sr / 2^(L+2)`` for
    ``a<L>``, ``3 sr / 2^(j+2)`` for ``d<j>``), the input of :class:`ISWT`; the kernel
    writes its rows directly and the level ports are views of them.  PyWavelets needs
    ``n`` to be a multiple of ``2^L``: a signal that is not is padded with zeros at its
    end to the next multiple (the output is that long).  ``mode`` is not used (the SWT
    is periodic).

    Streaming: whole-signal.

    Examples
    --------
    >>> import numpy as np, featgraph
    >>> y = np.random.default_rng(0).standard_normal(1000)
    >>> out = featgraph.load("swt").run(y, sr=8000.0)
    >>> out["stack"].shape, out["d1"].shape
    ((5, 1008), (1008,))
    """

    op: Literal["swt"] = "swt"
    produces: ClassVar = {**level_ports(4, Kind.SIGNAL), "stack": Kind.FEATURE}
    level: int = Field(4, ge=1, le=MAX_LEVEL, description="decomposition level L")

    def out_ports(self):
        return {**level_ports(self.level, Kind.SIGNAL), "stack": Kind.FEATURE}


def swt_centres(level: int, sr: float) -> np.ndarray:
    """Nominal band centres (Hz) of ``[a_L, d_L, ..., d_1]``."""
    return np.array([sr / 2 ** (level + 2)] + [3 * sr / 2 ** (j + 2)
                                               for j in range(level, 0, -1)])


@SWT.compute
def swt(x: Feature, p: SWT) -> dict[str, Feature]:
    data = _as_float(x.data)
    n, block = data.shape[-1], 2 ** p.level
    if n == 0 or n % block:
        data = np.concatenate([data, np.zeros(data.shape[:-1] + (block - n % block,),
                                              data.dtype)], axis=-1)
    stack = kernels.swt(data, *_filters(p.wavelet), p.level)   # (..., L + 1, n), rows contiguous
    out = {name: x.derive(stack[..., i, :], Kind.SIGNAL)     # the level ports: its rows
           for i, name in enumerate(level_ports(p.level, Kind.SIGNAL))}
    out["stack"] = x.derive(stack, Kind.FEATURE, hop=1, win_length=1,
                            axis=swt_centres(p.level, x.sr))
    return out


class ISWT(_Inverse):
    """Inverse stationary wavelet transform (``pywt.iswt``) of an :class:`SWT` ``stack``.

    Input ``(..., L + 1, n)``: rows ``a_L, d_L ... d_1``; output the signal ``(..., n)``.

    Streaming: whole-signal.
    """

    op: Literal["iswt"] = "iswt"


@ISWT.compute
def iswt(x: Feature, p: ISWT) -> Feature:
    rows = x.data.shape[-2]
    if rows < 2:
        raise ValueError("iswt needs the SWT 'stack' port (at least two rows: a_L and d_L)")
    coeffs = [np.ascontiguousarray(x.data[..., i, :]) for i in range(rows)]
    out = pywt().iswt(coeffs, p.wavelet, axis=-1)
    return x.derive(np.ascontiguousarray(out), Kind.SIGNAL, hop=None, win_length=None,
                    axis=None)


def freq_order_paths(level: int) -> list[str]:
    """Wavelet packet node paths of ``level`` in frequency order, lowest band first.

    Filtering a node's details mirrors its spectrum, so below a ``d`` node the
    high-pass child is the lower band: the order is the binary reflected Gray code over
    ``a``/``d``, the root's choice varying slowest (Mallat 2009, 8.1.2).
    """
    order = [""]
    for _ in range(level):
        order = ["a" + s for s in order] + ["d" + s for s in reversed(order)]
    return order


class WPT(_Discrete):
    """Wavelet packet transform, level L in frequency order, as ``pywt.WaveletPacket(...).get_level(L, "freq")``.

    Every node, not only the approximation, is split by one DWT analysis step (Mallat
    2009, 8.1); the last level's nodes are written straight into their rows.  Output
    ``(..., 2^L, n)`` in the input's units (stored feature-major: each node's row
    contiguous, as PyWavelets gives it): row ``k`` holds the coefficients of the node
    covering ``[k, k + 1] sr / 2^(L+1)`` Hz (axis: the band centres ``(k + 1/2) sr /
    2^(L+1)``), one value every ``2^L`` input samples (``hop = 2^L``; ``n`` follows the
    DWT's length rule per level).

    Streaming: whole-signal.

    Examples
    --------
    >>> import numpy as np, featgraph
    >>> y = np.random.default_rng(0).standard_normal(1000)
    >>> featgraph.load("wpt").run(y, sr=8000.0)["wpt"].shape
    (8, 131)
    """

    op: Literal["wpt"] = "wpt"
    produces: ClassVar = Kind.FEATURE
    level: int = Field(3, ge=1, le=8, description="decomposition level L (2^L nodes)")


@WPT.compute
def wpt(x: Feature, p: WPT) -> Feature:
    stack = kernels.wpt(_as_float(x.data), *_filters(p.wavelet), p.mode, p.level,
                        freq_order_paths(p.level))
    centres = (np.arange(2 ** p.level) + 0.5) * x.sr / 2 ** (p.level + 1)
    return x.derive(stack, Kind.FEATURE, hop=2 ** p.level,
                    win_length=2 ** p.level, axis=centres)


class IWPT(_Inverse):
    """Inverse wavelet packet transform of a :class:`WPT` level, ``(..., 2^L, n)`` -> signal.

    Each parent node is ``pywt.idwt`` of its two children, from level L up to the root
    (``L`` from the row count).  ``length``, the analysed signal's length, sets the
    length of every intermediate node (``pywt.dwt_coeff_len``); it is needed for an
    exact inverse when some level had an odd length in ``periodization`` mode.  Without
    it the result may be a few samples longer than the signal (the extension of the
    boundary mode); its first samples are the signal.

    Streaming: whole-signal.
    """

    op: Literal["iwpt"] = "iwpt"
    mode: Mode = Field("symmetric", description="the forward transform's mode")
    length: int | None = Field(None, ge=1, le=1 << 34, description="samples of the analysed "
                                                                  "signal (exact lengths)")


@IWPT.compute
def iwpt(x: Feature, p: IWPT) -> Feature:
    rows = x.data.shape[-2]
    level = rows.bit_length() - 1
    if rows < 2 or 2 ** level != rows:
        raise ValueError(f"iwpt needs 2^L rows (a WPT level); got {rows}")
    w = pywt().Wavelet(p.wavelet)
    lengths = [p.length]
    for _ in range(level):
        lengths.append(None if lengths[-1] is None else
                       pywt().dwt_coeff_len(lengths[-1], w.dec_len, p.mode))
    nodes = {path: x.data[..., i, :] for i, path in enumerate(freq_order_paths(level))}
    for j in range(level, 0, -1):
        parents = {}
        for path in freq_order_paths(j - 1):
            parent = pywt().idwt(nodes[path + "a"], nodes[path + "d"], w, mode=p.mode, axis=-1)
            parents[path] = parent if lengths[j - 1] is None else parent[..., :lengths[j - 1]]
        nodes = parents
    y = nodes[""]
    return x.derive(np.ascontiguousarray(y.astype(x.data.dtype, copy=False)), Kind.SIGNAL,
                    hop=None, win_length=None, axis=None)


class SubbandEnergy(Node):
    """Energy and Shannon entropy of each level or node of a wavelet decomposition.

    Input: a level port (a signal ``(..., n)``, one row) or a stack ``(..., rows, n)``
    (:class:`WPT`, the SWT ``stack``, any transform).  Port ``energy``
    ``(..., rows, 1)``: ``E_r = sum_n |c_r[n]|^2``; with ``relative`` divided by the
    total over rows (the wavelet energy distribution).  Port ``entropy``
    ``(..., rows, 1)``: ``H_r = -sum_n p_n ln p_n`` with ``p_n = |c_r[n]|^2 / E_r``
    (nats; 0 for a silent row; Coifman & Wickerhauser 1992).

    Streaming: whole-signal.
    """

    op: Literal["subband_energy"] = "subband_energy"
    consumes: ClassVar = (Kind.SIGNAL | Kind.FEATURE | Kind.SPECTRUM | Kind.POWER | Kind.BANDS,)
    produces: ClassVar = {"energy": Kind.FEATURE, "entropy": Kind.FEATURE}
    streaming: ClassVar = "signal"
    relative: bool = Field(False, description="divide each energy by the total over rows")


@SubbandEnergy.compute
def subband_energy(x: Feature, p: SubbandEnergy) -> dict[str, Feature]:
    from scipy.special import xlogy

    data = x.data[..., None, :] if x.kind == Kind.SIGNAL else x.data
    power = data * data if data.dtype.kind == "f" else np.abs(data) ** 2
    energy = power.sum(axis=-1, keepdims=True)
    # H = -sum (P/E) ln(P/E) = ln E - sum(P ln P) / E, with 0 ln 0 = 0
    plogp = xlogy(power, power).sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = np.where(energy > 0, np.log(np.where(energy > 0, energy, 1.0))
                           - plogp / np.where(energy > 0, energy, 1.0), 0.0)
    entropy = np.maximum(entropy, 0.0)
    if p.relative:
        total = energy.sum(axis=-2, keepdims=True)
        energy = energy / np.where(total > 0, total, 1.0)
    dtype = x.data.real.dtype if x.data.dtype.kind in "fc" else np.float64
    n = data.shape[-1]
    meta = dict(hop=max(1, n), win_length=max(1, n), axis=None if x.kind == Kind.SIGNAL
                else x.axis)
    return {"energy": x.derive(energy.astype(dtype), Kind.FEATURE, **meta),
            "entropy": x.derive(entropy.astype(dtype), Kind.FEATURE, **meta)}

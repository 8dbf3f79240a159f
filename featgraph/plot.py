"""Pictures: a recipe's outputs against time (``featgraph plot``) and its graph
(``featgraph show --format dot|mermaid|png``).

matplotlib is an optional extra (``pip install featgraph[plot]``), imported only
by :func:`plot_result` and :func:`graph_png`; the text formats need nothing.

How each output is drawn (:func:`panel_style`):

- a spectrum (``spectrum``, ``power``, ``bands``) as an image in dB against time,
  on its true frequency axis: a uniform axis (FFT bins) in Hz, a non-uniform one
  (mel, Bark, ERB, octave bands) one row per band with the band frequencies as
  tick labels, so that the picture keeps the scale's spacing;
- cepstra and other many-valued features as images, one row per coefficient;
- one-valued features (centroid, flux, ...) as curves.

Only the first channel of a multichannel output is drawn.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .engine.feature import Feature
from .engine.kinds import Kind
from .engine.plan import Plan

DPI = 100
WIDTH = 1000                # pixels
CURVE_HEIGHT = 110          # pixels per curve panel
IMAGE_HEIGHT = 260          # pixels per image panel
SPECTRAL_KINDS = Kind.SPECTRUM | Kind.POWER | Kind.BANDS


def _matplotlib():
    try:
        import matplotlib
    except ImportError as exc:           # pragma: no cover - depends on the environment
        raise SystemExit("featgraph plot needs matplotlib: pip install 'featgraph[plot]'") \
            from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


# ------------------------------------------------------------- the outputs
def panel_style(feature: Feature) -> str:
    """``"spectrogram"``, ``"image"`` or ``"curve"``: how :func:`plot_result` draws ``feature``."""
    if feature.kind == Kind.SIGNAL:
        return "curve"
    rows = feature.data.shape[-2] if feature.data.ndim >= 2 else 1
    if feature.kind in SPECTRAL_KINDS and feature.axis is not None and rows > 1:
        return "spectrogram"
    return "image" if rows > 1 else "curve"


def default_size(features: dict[str, Feature]) -> tuple[int, int]:
    """``(width, height)`` in pixels of the figure :func:`plot_result` draws by default."""
    heights = [CURVE_HEIGHT if panel_style(f) == "curve" else IMAGE_HEIGHT
               for f in features.values()]
    return WIDTH, max(200, sum(heights) + 60)


def _first_channel(feature: Feature) -> np.ndarray:
    data = np.asarray(feature.data)
    if feature.kind == Kind.SIGNAL:
        return data.reshape(-1, data.shape[-1])[0]
    if data.ndim == 1:
        return data[None, :]
    return data.reshape((-1,) + data.shape[-2:])[0]


def _decibels(values: np.ndarray, kind: Kind) -> np.ndarray:
    """10 log10 of a power-like array (20 log10 |X| of a complex one), 80 dB below its peak
    at most."""
    power = np.abs(values) ** 2 if np.iscomplexobj(values) else np.abs(values)
    db = 10.0 * np.log10(np.maximum(power, 1e-20))
    return np.maximum(db, db.max() - 80.0) if db.size else db


def _is_uniform(axis: np.ndarray) -> bool:
    steps = np.diff(axis)
    return steps.size > 0 and np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around increasing centres (half-way points, mirrored at the ends)."""
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid,
                           [centres[-1] + (centres[-1] - mid[-1])]])


def _draw(ax, name: str, feature: Feature, style: str) -> None:
    values = _first_channel(feature)
    step = (feature.hop or 1) / feature.sr
    times = np.arange(values.shape[-1] + 1) * step
    if style == "curve":
        y = values if values.ndim == 1 else values[0]
        t = np.arange(y.shape[-1]) * step
        ax.plot(t, np.real(y), lw=0.8)
        ax.set_xlim(times[0], times[-1])
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
        _colorbar(ax, None)                 # the same width as the images' colour bars
        return
    if style == "spectrogram":
        axis = np.asarray(feature.axis, dtype=np.float64)
        image = _decibels(values, feature.kind)
        if _is_uniform(axis):
            mesh = ax.pcolormesh(times, _edges(axis), image, shading="flat", cmap="magma")
            ax.set_ylabel(f"{name}\nHz", fontsize=8)
        else:
            rows = np.arange(axis.size + 1) - 0.5
            mesh = ax.pcolormesh(times, rows, image, shading="flat", cmap="magma")
            ticks = np.unique(np.linspace(0, axis.size - 1, min(axis.size, 7)).round().astype(int))
            ax.set_yticks(ticks)
            ax.set_yticklabels([f"{axis[i]:.0f}" for i in ticks], fontsize=7)
            ax.set_ylabel(f"{name}\nHz (band centres)", fontsize=8)
        _colorbar(ax, mesh, "dB")
        return
    rows = np.arange(values.shape[-2] + 1) - 0.5
    image = np.real(values)
    low, high = np.percentile(image, [2, 98]) if image.size else (0.0, 1.0)
    mesh = ax.pcolormesh(times, rows, image, shading="flat", cmap="viridis",
                         vmin=low, vmax=max(high, low + 1e-12))
    ax.set_ylabel(f"{name}\nindex", fontsize=8)
    _colorbar(ax, mesh)


def _colorbar(ax, mesh, label: str = "") -> None:
    """A colour bar beside ``ax``; with no image, an empty slot of the same width, so that
    every panel's time axis lines up."""
    from matplotlib.colorbar import make_axes

    cax, _ = make_axes(ax, fraction=0.03, pad=0.01)
    if mesh is None:
        cax.set_axis_off()
        return
    bar = ax.figure.colorbar(mesh, cax=cax)
    bar.ax.tick_params(labelsize=7)
    if label:
        bar.set_label(label, fontsize=8)


def plot_result(features: dict[str, Feature], path: str | Path,
                size: tuple[int, int] | None = None, title: str | None = None) -> Path:
    """Draw every output against time, one panel each, into a PNG of ``size`` pixels.

    Parameters
    ----------
    features : dict of str to Feature
        A run's outputs (``Result.features``).
    path : str or Path
        The PNG to write.
    size : (int, int), optional
        Width and height in pixels; :func:`default_size` when omitted.
    title : str, optional
        Figure title (the recipe and the file).
    """
    plt = _matplotlib()
    width, height = size or default_size(features)
    styles = {name: panel_style(f) for name, f in features.items()}
    ratios = [1 if s == "curve" else IMAGE_HEIGHT / CURVE_HEIGHT for s in styles.values()]
    fig, axes = plt.subplots(len(features), 1, figsize=(width / DPI, height / DPI), dpi=DPI,
                             sharex=True, squeeze=False, height_ratios=ratios)
    for ax, (name, feature) in zip(axes[:, 0], features.items()):
        _draw(ax, name, feature, styles[name])
        ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel("time (s)")
    if title:
        fig.suptitle(title, fontsize=9)
    path = Path(path)
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)
    return path


# ----------------------------------------------------------------- the graph
def _shared(plan: Plan) -> dict[str, str]:
    """``{key: note}`` for steps computed once for several recipe nodes, or read by several."""
    readers: dict[str, int] = {}
    for key in plan.order:
        for src in dict.fromkeys(k for k, _ in plan.step(key).inputs):
            readers[src] = readers.get(src, 0) + 1
    notes = {}
    for key in plan.order:
        step = plan.step(key)
        parts = []
        if len(step.names) > 1:
            parts.append("shared by " + ", ".join(step.names[1:]))
        if readers.get(key, 0) > 1:
            parts.append(f"feeds {readers[key]}")
        if parts:
            notes[key] = "; ".join(parts)
    return notes


def graph_mermaid(plan: Plan) -> str:
    """:meth:`Plan.to_mermaid` with the shared steps (see :func:`_shared`) filled and outlined."""
    notes = _shared(plan)
    lines = [plan.to_mermaid(),
             "    classDef shared fill:#ffe9a8,stroke:#b07d00,stroke-width:3px"]
    if notes:
        ids = {key: f"n{i}" for i, key in enumerate(plan.order)}     # to_mermaid's node ids
        lines.append("    class " + ",".join(ids[k] for k in notes) + " shared")
    return "\n".join(lines)


def graph_dot(plan: Plan) -> str:
    """A Graphviz ``digraph``; shared steps filled and bold (render with ``dot -Tpng``)."""
    notes = _shared(plan)
    ids = {key: f"n{i}" for i, key in enumerate(plan.order)}

    def quote(*lines: str) -> str:            # a DOT string; lines joined by \n
        return '"' + "\\n".join(s.replace("\\", "/").replace('"', "'") for s in lines) + '"'

    lines = ["digraph featgraph {", "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];']
    for key in plan.order:
        step = plan.step(key)
        label = [step.names[0], step.model.op]
        style = ""
        if key in notes:
            label.append(f"({notes[key]})")
            style = ', style="filled,bold", fillcolor="#ffe9a8", penwidth=2'
        lines.append(f"  {ids[key]} [label={quote(*label)}{style}];")
    for key in plan.order:
        for src, port in dict.fromkeys(plan.step(key).inputs):
            attr = f" [label={quote(port)}]" if port else ""
            lines.append(f"  {ids[src]} -> {ids[key]}{attr};")
    for i, (out, (key, port)) in enumerate(plan.outputs.items()):
        lines.append(f"  o{i} [label={quote(out)}, shape=ellipse];")
        label = f", label={quote(port)}" if port else ""
        lines.append(f"  {ids[key]} -> o{i} [style=dashed{label}];")
    lines.append("}")
    return "\n".join(lines)


def graph_layout(plan: Plan) -> dict[str, tuple[float, float]]:
    """``{key: (x, y)}``: steps in layers by their longest path from a source (y), spread
    evenly within a layer (x in [0, 1])."""
    depth: dict[str, int] = {}
    for key in plan.order:
        srcs = [k for k, _ in plan.step(key).inputs]
        depth[key] = 1 + max((depth[s] for s in srcs), default=-1)
    layers: dict[int, list[str]] = {}
    for key in plan.order:
        layers.setdefault(depth[key], []).append(key)
    pos = {}
    for d, keys in layers.items():
        for i, key in enumerate(keys):
            pos[key] = ((i + 0.5) / len(keys), -float(d))
    return pos


def graph_png(plan: Plan, path: str | Path, size: tuple[int, int] | None = None) -> Path:
    """Draw the plan with matplotlib (no Graphviz needed): boxes in layers, arrows to
    consumers, shared steps filled and outlined."""
    plt = _matplotlib()
    pos = graph_layout(plan)
    notes = _shared(plan)
    n_layers = 1 + int(-min(y for _, y in pos.values()))
    widest = max(sum(1 for p in pos.values() if p[1] == -d) for d in range(n_layers))
    width, height = size or (max(600, 150 * widest), max(300, 90 * n_layers + 60))
    fig, ax = plt.subplots(figsize=(width / DPI, height / DPI), dpi=DPI)
    for key in plan.order:
        x1, y1 = pos[key]
        for src in dict.fromkeys(k for k, _ in plan.step(key).inputs):
            x0, y0 = pos[src]
            ax.annotate("", xy=(x1, y1 + 0.18), xytext=(x0, y0 - 0.18),
                        arrowprops={"arrowstyle": "->", "color": "0.4", "lw": 0.8})
    for key, (x, y) in pos.items():
        step = plan.step(key)
        shared = key in notes
        box = {"boxstyle": "round,pad=0.3", "fc": "#ffe9a8" if shared else "white",
               "ec": "#b07d00" if shared else "0.3", "lw": 2.0 if shared else 0.8}
        ax.text(x, y, f"{step.names[0]}\n{step.model.op}", ha="center", va="center",
                fontsize=7, bbox=box)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-(n_layers - 1) - 0.5, 0.5)
    ax.axis("off")
    path = Path(path)
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)
    return path


def png_size(path: str | Path) -> tuple[int, int]:
    """``(width, height)`` from a PNG's IHDR chunk; ``ValueError`` if it is not a PNG."""
    head = Path(path).read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")

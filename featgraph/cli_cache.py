"""The feature cache's command-line parts: ``featgraph run --cache`` and ``featgraph cache``.

Kept apart from :mod:`featgraph.cli` (which imports them); see docs/cache.md.
"""
from __future__ import annotations

import argparse


def add_cache_command(sub) -> None:
    """``featgraph cache info|clear``."""
    cache = sub.add_parser("cache", help="show or clear the plan and feature caches",
                           description="info: where the caches are, their entries and size; "
                                       "clear: delete their entries (both, or --plans / "
                                       "--features). See docs/cache.md.")
    cache.add_argument("action", choices=("info", "clear"))
    cache.add_argument("--cache", metavar="DIR", help="the feature cache folder (default: "
                       "$FEATGRAPH_FEATURE_CACHE, else features/ next to the plan cache)")
    which = cache.add_mutually_exclusive_group()
    which.add_argument("--plans", action="store_true", help="clear the plan cache only")
    which.add_argument("--features", action="store_true", help="clear the feature cache only")
    cache.set_defaults(func=cmd_cache)


def add_cache_options(p: argparse.ArgumentParser) -> None:
    """``--cache [DIR]`` and its companions, for ``featgraph run``."""
    p.add_argument("--cache", nargs="?", const="", metavar="DIR",
                   help="reuse and store node outputs in the feature cache DIR (no DIR: the "
                        "default folder; default: $FEATGRAPH_FEATURE_CACHE if set, else no "
                        "cache); see docs/cache.md")
    p.add_argument("--no-cache", action="store_true", help="ignore $FEATGRAPH_FEATURE_CACHE")
    p.add_argument("--cache-identity", choices=("stat", "hash"), default="stat",
                   help="identify inputs by path, size and times (stat, default) or by a "
                        "hash of their bytes")
    p.add_argument("--cache-size", metavar="SIZE", help="cache size limit, e.g. 2GB "
                   "(default: $FEATGRAPH_FEATURE_CACHE_SIZE, else 4GiB); least recently "
                   "used entries are evicted")
    p.add_argument("--cache-store", choices=("reduced", "outputs", "all"), default="reduced",
                   help="node outputs stored: reduced (default: outputs and reduced-kind "
                        "intermediates), outputs, all")


def feature_cache(args):
    """The :class:`~featgraph.engine.cache.Cache` of ``run``'s options, or None."""
    import os

    if args.no_cache or (args.cache is None and not os.environ.get("FEATGRAPH_FEATURE_CACHE")):
        return None
    from .engine.cache import Cache, resolve

    if args.cache is None:
        env = resolve(None)
        if env is None:
            return None
        folder = env.folder
    else:
        folder = args.cache or None
    if folder is not None and os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"--cache {folder}: not a folder (an audio file taken as the cache "
                         "folder? write --cache=DIR, or --cache after the inputs)")
    return Cache(folder, max_bytes=args.cache_size, identity=args.cache_identity,
                 store=args.cache_store)


def run_plan(plan, source, cache):
    """Run ``plan`` on ``source`` through ``cache`` (None: a plain run; the cache
    modules are then not imported)."""
    if cache is None:
        from .engine.scheduler import execute

        return execute(plan, source)
    from .engine.cached import execute_cached

    return execute_cached(plan, source, cache)


def cmd_cache(args) -> int:
    from .engine.cache import Cache, resolve
    from .engine.runner import _cache_folder

    plans = _cache_folder()
    features = Cache(args.cache) if args.cache else (resolve(None) or Cache())
    if args.action == "info":
        files = sorted(plans.glob("*.json")) if plans and plans.is_dir() else []
        size = sum(f.stat().st_size for f in files)
        print(f"plans:    {plans or 'off (FEATGRAPH_CACHE=off)'}: {len(files)} plans, "
              f"{_human(size)}")
        info = features.info()
        print(f"features: {info['folder']}: {info['entries']} entries, {_human(info['bytes'])} "
              f"of a {_human(info['max_bytes'])} limit, {info['temporary']} temporary files")
        return 0
    if not args.features and plans and plans.is_dir():
        n = 0
        for f in plans.glob("*.json"):
            f.unlink(missing_ok=True)
            n += 1
        print(f"removed {n} plans from {plans}")
    if not args.plans:
        print(f"removed {features.clear()} feature entries from {features.folder}")
    return 0


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"



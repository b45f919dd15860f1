"""The build step of a publish: what `sam build` would do before the code reaches Lambda.

`prepare` checks and installs everything a revision needs (requirements into the cache, layer
snapshots, the runtime's bundled SDK) before anything is published, so a failure (pip's or
npm's message, a missing layer, a limit in AWS's words) leaves the previous revision live.
`materialize` then lays the revision out: requirements hard-linked into the task root (at the
zip root, as `sam build` puts them) and the layers merged into the revision's /opt. The time
this takes is the build's, never the function's Init Duration.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lambda_nb.engine import cache, layers, requirements, runtime_site
from lambda_nb.engine.errors import BuildError

OnLine = Callable[[str], None]
_sizes: dict[Path, int] = {}  # cache entries never change, so their sizes are measured once


@dataclass
class Build:
    requirements: list[str] = field(default_factory=list)
    requirements_dir: Path | None = None  # the cache entry linked into the task root
    installed: bool = False  # pip or npm ran now (False: nothing, or all from the cache)
    layers: list[Path] = field(default_factory=list)  # as given, resolved, in order
    layer_snapshots: list[Path] = field(default_factory=list)
    runtime_site: Path | None = None


def prepare(
    family: str,
    runtime: str,
    architecture: str,
    files: Mapping[str, str | bytes | Path],
    requirement_spec: str | os.PathLike[str] | Sequence[str] | None = None,
    layer_spec: Sequence[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
    on_line: OnLine | None = None,
) -> Build:
    """Everything the revision needs, installed or found in the cache; BuildError if not."""
    build = Build()
    build.requirements = requirements.parse(requirement_spec, family)
    if build.requirements and family not in ("python", "nodejs"):
        raise BuildError(
            "requirements are installed for Python and Node.js runtimes; a custom runtime's "
            "dependencies come with its files or its layers"
        )
    build.layers = layers.resolve(layer_spec)
    code_bytes = sum(_content_size(c) for c in files.values())
    layer_bytes = sum(layers.unzipped_size(p) for p in build.layers)
    layers.check_total(code_bytes, layer_bytes)
    if build.requirements:
        build.requirements_dir, build.installed = requirements.install(
            build.requirements, family, runtime, architecture, on_line
        )
        layers.check_total(code_bytes + _size(build.requirements_dir), layer_bytes)
    build.layer_snapshots = [layers.snapshot(p) for p in build.layers]
    build.runtime_site = runtime_site.for_runtime(family, runtime, architecture, files, on_line)
    return build


def materialize(build: Build, task_root: Path, opt_dir: Path) -> Path | None:
    """Link the requirements into `task_root` (the function's own files win a clash) and merge
    the layers into `opt_dir`; returns the /opt dir, or None without layers."""
    if build.requirements_dir is not None:
        cache.link_tree(build.requirements_dir, task_root, replace=False)
    if not build.layer_snapshots:
        return None
    layers.merge(build.layer_snapshots, opt_dir)
    return opt_dir


def esm_modules(
    runtime: str, opt_dir: Path | None, runtime_site: Path | None, target: Path
) -> Path | None:
    """Node.js: a node_modules folder in the task root's parent holding links to the layers'
    and the bundled SDK's packages, in NODE_PATH's order (opt/nodejs/node<major>, then
    opt/nodejs, then the SDK). ES modules ignore NODE_PATH and look only in node_modules
    folders up from the importing file, yet on Lambda an index.mjs imports @aws-sdk/* and,
    from Node.js 18, layer packages (sandbox-and-packages.md 2.3; how Lambda does it is
    UNCONFIRMED): this parent folder gives them the same answers, after the function's own
    node_modules. None when there is nothing to link."""
    major = runtime[len("nodejs") :].split(".")[0]
    sources = []
    if opt_dir is not None:
        sources += [opt_dir / "nodejs" / f"node{major}" / "node_modules"]
        sources += [opt_dir / "nodejs" / "node_modules"]
    if runtime_site is not None:
        sources.append(runtime_site)
    linked = False
    for source in sources:
        if not source.is_dir():
            continue
        for entry in sorted(source.iterdir()):
            if entry.name.startswith("."):
                continue
            packages = sorted(entry.iterdir()) if entry.name.startswith("@") else [entry]
            for package in packages:
                rel = package.relative_to(source)
                link = target / rel
                if os.path.lexists(link):
                    continue  # an earlier source wins, as in NODE_PATH
                link.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(package, link)
                linked = True
    return target if linked else None


def _size(path: Path) -> int:
    if path not in _sizes:
        _sizes[path] = layers.tree_size(path)
    return _sizes[path]


def _content_size(content: str | bytes | Path) -> int:
    if isinstance(content, Path):
        return 0 if content.is_symlink() else content.stat().st_size
    return len(content if isinstance(content, bytes) else content.encode())

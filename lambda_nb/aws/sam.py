"""`fn.export_sam(directory)`: a SAM template and the code folder, ready for `sam build`.

The template is the minimal one of sandbox-and-packages.md 4.4 (it passes cfn-lint), filled
from the revision's configuration: Runtime, Handler, MemorySize, Timeout, Environment,
Architectures, EphemeralStorage and LoggingConfig. The code folder (`CodeUri`) holds the same
files as `fn.package()`'s zip, with the same modes; requirements are already installed in it
(`sam build` copies a folder without a manifest as it is; `sam deploy` zips it and uploads it to
S3, so the 50 MB direct-upload limit does not apply).

Layers and triggers have their places (`layers=`, `events=`): a layer folder becomes an
`AWS::Serverless::LayerVersion` with its `ContentUri`, a trigger an entry of the function's
`Events`. The YAML is written here, without a YAML library: the template is small, every string
is written double-quoted in JSON's escapes (valid YAML), and the CloudFormation tags are `Ref`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_nb.engine import package

if TYPE_CHECKING:
    from lambda_nb.engine.service import FunctionRevision

TEMPLATE = "template.yaml"
MARK = "# Exported by lambda_nb"  # a template (and code folders) this module may overwrite
DEFAULT_ARCHITECTURE = "x86_64"
DEFAULT_EPHEMERAL_MB = 512


@dataclass(frozen=True)
class Ref:
    """`!Ref Name`: a reference to another resource of the template."""

    name: str


@dataclass(frozen=True)
class GetAtt:
    """`!GetAtt Name.Attribute`."""

    target: str


@dataclass(frozen=True)
class Layer:
    """A layer folder (python/, nodejs/node_modules/, bin/, lib/ at its root) to export."""

    path: Path
    name: str = ""


def revision_extra(rev: FunctionRevision) -> SamExport:
    """What the revision brings besides its configuration: its layers, in merge order (each
    a folder or a .zip laid out as a Lambda layer, as given to `layers=`), each exported as an
    `AWS::Serverless::LayerVersion` that the function's `Layers` lists in the same order.

    INTEGRATION POINT (triggers): the revision's triggers go into `events` and `resources`
    once they exist.
    """
    return SamExport(layers=[Layer(Path(p)) for p in rev.layers])


@dataclass
class SamExport:
    """What goes into the template besides the function's own configuration."""

    layers: Sequence[Layer] = ()
    # The function's `Events` (a trigger each), e.g. {"Queue": {"Type": "SQS", "Properties":
    # {"Queue": GetAtt("Queue.Arn")}}}, and the resources they need ({"Queue": {"Type":
    # "AWS::SQS::Queue"}}): the triggers' work fills these.
    events: Mapping[str, Any] = field(default_factory=dict)
    resources: Mapping[str, Any] = field(default_factory=dict)


def logical_id(name: str, suffix: str = "") -> str:
    """A CloudFormation logical id (alphanumeric) from a function name: my-fn -> MyFn."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    base = "".join(p[:1].upper() + p[1:] for p in parts) or "Function"
    if not base[0].isalpha():
        base = "Fn" + base
    return base + suffix


def function_properties(rev: FunctionRevision, code_uri: str) -> dict[str, Any]:
    """The `AWS::Serverless::Function` properties of a revision (CreateFunction's settings)."""
    cfg = rev.config
    props: dict[str, Any] = {
        "CodeUri": code_uri,
        "Handler": cfg.handler,
        "Runtime": rev.runtime.name,
        "Architectures": [cfg.architecture or DEFAULT_ARCHITECTURE],
        "MemorySize": cfg.memory,
        "Timeout": int(cfg.timeout),
        "EphemeralStorage": {
            "Size": getattr(cfg, "ephemeral_storage", None) or DEFAULT_EPHEMERAL_MB
        },
    }
    if cfg.environment:
        props["Environment"] = {"Variables": dict(cfg.environment)}
    logging: dict[str, Any] = {"LogFormat": cfg.log_format}
    if cfg.log_level:
        logging["ApplicationLogLevel"] = cfg.log_level
    props["LoggingConfig"] = logging
    return props


def template(
    rev: FunctionRevision, code_uri: str, extra: SamExport | None = None,
    layer_uris: Sequence[str] = (),
) -> dict[str, Any]:  # fmt: skip
    """The whole template as data (what `dump` writes)."""
    extra = extra or SamExport()
    fid = logical_id(rev.config.name, "Function")
    props = function_properties(rev, code_uri)
    resources: dict[str, Any] = {}
    # ---- layers: one AWS::Serverless::LayerVersion per layer folder, referenced in order
    # (the function's Layers list is the merge order, a later layer winning).
    layer_refs = []
    for i, (layer, uri) in enumerate(zip(extra.layers, layer_uris, strict=True), 1):
        lid = logical_id(layer.name or f"{rev.config.name}-layer-{i}", "Layer")
        resources[lid] = {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "ContentUri": uri,
                "CompatibleRuntimes": [rev.runtime.name],
                "CompatibleArchitectures": props["Architectures"],
            },
        }
        layer_refs.append(Ref(lid))
    if layer_refs:
        props["Layers"] = layer_refs
    # ---- triggers
    if extra.events:
        props["Events"] = dict(extra.events)
    resources = {fid: {"Type": "AWS::Serverless::Function", "Properties": props}, **resources}
    resources.update(extra.resources)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"{rev.config.name}, exported by lambda_nb",
        "Resources": resources,
        "Outputs": {
            f"{fid}Arn": {"Description": "The function's ARN", "Value": GetAtt(f"{fid}.Arn")},
        },
    }


# ------------------------------------------------------------------------------------ YAML
def dump(data: Mapping[str, Any], header: str = "") -> str:
    """Block-style YAML of `data` (dicts, lists, str, int, float, bool, Ref, GetAtt)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += _block(data, 0)
    return "\n".join(lines) + "\n"


def _block(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _is_scalar(item) or not item:
                out.append(f"{pad}{_key(key)}: {_scalar(item)}")
            else:
                out.append(f"{pad}{_key(key)}:")
                out += _block(item, indent + 2)
    else:
        for item in value:
            if _is_scalar(item) or not item:
                out.append(f"{pad}- {_scalar(item)}")
            else:
                inner = _block(item, indent + 2)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out += inner[1:]
    return out


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (Mapping, list, tuple))


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Plain words YAML 1.1 reads as null or booleans (an environment variable may be called NULL).
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n"})


def _key(key: Any) -> str:
    text = str(key)
    plain = _PLAIN_KEY.match(text) and text.lower() not in _YAML_WORDS
    return text if plain else json.dumps(text)


def _scalar(value: Any) -> str:
    if isinstance(value, Ref):
        return f"!Ref {value.name}"
    if isinstance(value, GetAtt):
        return f"!GetAtt {value.target}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    if value is None:
        return "null"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML scalar


# ---------------------------------------------------------------------------------- export
def export(
    rev: FunctionRevision, directory: str | Path, extra: SamExport | None = None,
    version: str = "",
) -> Path:  # fmt: skip
    """Write `directory/template.yaml` and the code folder `directory/<name>/`; returns the
    template's path. A previous export there is replaced; anything else is left alone."""
    extra = extra or revision_extra(rev)
    root = Path(directory).expanduser().absolute()
    root.mkdir(parents=True, exist_ok=True)
    name = rev.config.name
    files = package.entries(rev)
    package.check_unzipped(rev, files)
    template_path = root / TEMPLATE
    ours = template_path.is_file() and template_path.read_text(
        encoding="utf-8", errors="replace"
    ).startswith(MARK)
    if template_path.exists() and not ours:
        raise FileExistsError(
            f"{template_path} exists and was not written by lambda_nb: export into another "
            "directory, or remove it"
        )
    code_dir = root / name
    layer_dirs = [  # a layer .zip is copied as it is: SAM uploads a zip ContentUri unchanged
        root / (f"{name}-layer-{i}" + (".zip" if layer.path.is_file() else ""))
        for i, layer in enumerate(extra.layers, 1)
    ]
    for folder in (code_dir, *layer_dirs):
        if folder.exists() and not ours:
            raise FileExistsError(
                f"{folder} exists and is not from a lambda_nb export: export into another "
                "directory, or remove it"
            )
    _copy(files, code_dir)
    for layer, folder in zip(extra.layers, layer_dirs, strict=True):
        if layer.path.is_file():
            shutil.copyfile(layer.path, folder)
        elif layer.path.is_dir():
            _copy(list(package._walk(layer.path)), folder)
        else:
            raise FileNotFoundError(f"layer {layer.path}: no such folder or .zip")
    uris = [d.name if d.suffix == ".zip" else f"{d.name}/" for d in layer_dirs]
    data = template(rev, f"{name}/", extra, layer_uris=uris)
    header = (
        f"{MARK[2:]} {version} from function {name}, revision {rev.revision}.\n"
        "Build and deploy it with: sam build && sam deploy --guided"
    )
    tmp = template_path.with_name(f".{TEMPLATE}.tmp")
    tmp.write_text(dump(data, header), encoding="utf-8")
    os.replace(tmp, template_path)
    return template_path


def _copy(files: list[package.Entry], dest: Path) -> None:
    """Replace `dest` with these files, modes normalised as in the zip."""
    if dest.is_file():
        dest.unlink()
    staging = dest.with_name(f".{dest.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for entry in files:
        target = staging / entry.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.source, target)
        target.chmod(package.EXEC_MODE if entry.executable else package.FILE_MODE)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(staging, dest)

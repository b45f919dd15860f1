"""`fn.deploy()` and `fn.invoke_remote()`: the function on real AWS Lambda, through boto3.

boto3 is the `deploy` extra (`pip install 'lambda-nb[deploy]'`), imported only when one of
these is called, with the user's own credentials (boto3's usual chain, or a Session given).

Deploy is create-or-update (sandbox-and-packages.md 4.1): CreateFunction and the
`function_active_v2` waiter; or, for a function that exists, UpdateFunctionConfiguration then
UpdateFunctionCode, each followed by `function_updated_v2` (a change while an update runs is a
409). The revision's layers go first, one PublishLayerVersion each (a layer whose newest
version already holds the same zip is reused, not published again), and the function lists
their version ARNs in merge order (sandbox-and-packages.md 3.3). Nothing is half-published:
everything that can be checked here is checked before the first call (credentials, region,
role, the sizes in AWS's words), the configuration (where a bad role is refused) goes first, a
failed code update puts the previous configuration back, a created function that never becomes
Active is deleted again, and layer versions published by a deploy that then fails are deleted
again (the error names them, and any that could not be deleted).

Invoke is RequestResponse with LogType Tail: the reply (status, FunctionError, payload,
the base64 log tail) becomes an Invocation record like a local one, so the same views draw it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_nb.aws import log_tail, sam
from lambda_nb.engine import package
from lambda_nb.engine.errors import LambdaNbError, RequestEntityTooLargeException
from lambda_nb.engine.invoke import encode_event
from lambda_nb.engine.records import Invocation

if TYPE_CHECKING:
    from lambda_nb.engine.service import FunctionRevision

EXTRA_HINT = "pip install 'lambda-nb[deploy]' (boto3)"
# sandbox-and-packages.md 4.2: the trust policy and managed policy of a basic execution role.
TRUST_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
    '{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
)
BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
ROLE_HELP = (
    "needs an execution role to create the function: deploy(role_arn="
    "'arn:aws:iam::<account>:role/<name>') (%lambda deploy NAME --role ARN). The role must "
    "trust Lambda and may write CloudWatch Logs; create one with\n"
    "  aws iam create-role --role-name lambda-nb-basic --assume-role-policy-document "
    f"'{TRUST_POLICY}'\n"
    "  aws iam attach-role-policy --role-name lambda-nb-basic --policy-arn "
    f"{BASIC_POLICY}"
)
CREDENTIALS_HELP = (
    "found no AWS credentials. Configure them with `aws configure` (or `aws sso login "
    "--profile P` and AWS_PROFILE=P), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass "
    "session=boto3.Session(profile_name=...)"
)
REGION_HELP = (
    "has no AWS region: pass region='us-east-1' (--region), set AWS_DEFAULT_REGION, or "
    "`aws configure set region us-east-1`"
)
Progress = Callable[[str], None]
# IAM is eventually consistent: a role created seconds ago can be refused by CreateFunction
# with this message for a while, so that refusal is retried for up to ROLE_WAIT_S.
ROLE_NOT_ASSUMABLE = "cannot be assumed by Lambda"
ROLE_WAIT_S, ROLE_RETRY_EVERY_S = 20.0, 2.0


class DeployError(LambdaNbError):
    """The deployment (or remote invoke) was refused or failed; the message says why and, for
    an AWS refusal, gives the operation and AWS's own code and message."""


@dataclass
class Target:
    """A function on AWS: its name, the session and region to reach it with, and what the last
    deploy from this kernel returned (None when invoked without deploying here)."""

    name: str
    session: Any
    region: str
    configuration: dict[str, Any] | None = None
    revision: int | None = None  # the local revision that was deployed
    _client: Any = field(default=None, repr=False)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.session.client("lambda", region_name=self.region)
        return self._client

    @property
    def function_arn(self) -> str:
        if self.configuration and self.configuration.get("FunctionArn"):
            return str(self.configuration["FunctionArn"])
        return ""


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise ModuleNotFoundError(
            f"deploying to AWS needs boto3, which lambda_nb does not install: {EXTRA_HINT}",
            name="boto3",
        ) from None
    return boto3


def target(name: str, region: str | None = None, session: Any = None) -> Target:
    """The function `name` in `region` (else the session's), reached with `session` (else a
    new boto3 Session: your profile and credentials). Checks credentials and region now."""
    boto3 = _boto3()
    if session is None:
        session = boto3.Session(region_name=region) if region else boto3.Session()
    region = region or session.region_name
    if not region:
        raise DeployError(f"{name}: this session {REGION_HELP}")
    if session.get_credentials() is None:
        raise DeployError(f"{name}: {CREDENTIALS_HELP}")
    return Target(name, session, region)


# ------------------------------------------------------------------------------- deploy
def function_settings(rev: FunctionRevision) -> dict[str, Any]:
    """UpdateFunctionConfiguration's parameters for this revision (CreateFunction's, less
    the name, role, code and architecture)."""
    props = sam.function_properties(rev, "")
    return {
        "Runtime": props["Runtime"],
        "Handler": props["Handler"],
        "Timeout": props["Timeout"],
        "MemorySize": props["MemorySize"],
        "Environment": {"Variables": dict(rev.config.environment)},
        "EphemeralStorage": props["EphemeralStorage"],
        "LoggingConfig": props["LoggingConfig"],
        "Description": f"Deployed by lambda_nb from revision {rev.revision}",
    }


def deploy(
    rev: FunctionRevision,
    role_arn: str | None = None,
    region: str | None = None,
    session: Any = None,
    progress: Progress | None = None,
) -> tuple[Target, dict[str, Any]]:
    """Create or update `rev` on AWS, its layers first, and wait for it; returns the target and
    the function's configuration as GetFunctionConfiguration gives it."""
    say = progress or (lambda _text: None)
    name = rev.config.name
    where = target(name, region, session)
    with tempfile.TemporaryDirectory(prefix="lambda_nb-deploy-") as tmp:
        zip_path = package.build(rev, Path(tmp) / f"{name}.zip")
        size = zip_path.stat().st_size
        if size > package.ZIPPED_MAX_BYTES:
            raise package.zipped_too_large(size)
        code = zip_path.read_bytes()
        uploads = layer_uploads(rev, Path(tmp))
    settings = function_settings(rev)
    architectures = sam.function_properties(rev, "")["Architectures"]
    client = where.client
    existing = _call("GetFunction", _get_function, client, name)
    if existing is None and not role_arn:
        raise DeployError(f"{name}: fn.deploy() {ROLE_HELP}")
    layer_arns, published = publish_layers(client, uploads, rev.runtime.name, architectures, say)
    try:
        if existing is None:
            _create(client, where, name, role_arn or "", code, architectures, settings,
                    layer_arns, say)  # fmt: skip
        else:
            _update(client, where, name, role_arn, code, architectures, settings, layer_arns,
                    existing["Configuration"], say)  # fmt: skip
    except BaseException as exc:
        note = withdraw_layers(client, published)
        if note and isinstance(exc, DeployError):
            raise DeployError(f"{exc} ({note})") from None
        raise
    config = _call("GetFunctionConfiguration", client.get_function_configuration,
                   FunctionName=name)  # fmt: skip
    config.pop("ResponseMetadata", None)
    where.configuration = config
    where.revision = rev.revision
    say(f"Deployed {name}: {config.get('FunctionArn')} ({config.get('State')}, "
        f"{config.get('LastUpdateStatus')})")  # fmt: skip
    return where, config


def _create(
    client: Any, where: Target, name: str, role_arn: str, code: bytes, architectures: list[str],
    settings: dict[str, Any], layer_arns: list[str], say: Progress,
) -> None:  # fmt: skip
    """CreateFunction (retried while IAM has not yet made a new role assumable), then wait
    until Active; a function that never gets there is deleted again."""
    say(f"Creating {name} in {where.region}…")
    layers = {"Layers": layer_arns} if layer_arns else {}
    deadline = time.monotonic() + ROLE_WAIT_S
    while True:
        try:
            _call(
                "CreateFunction", client.create_function, FunctionName=name, Role=role_arn,
                Code={"ZipFile": code}, Architectures=architectures, **settings, **layers,
            )  # fmt: skip
            break
        except DeployError as exc:
            if ROLE_NOT_ASSUMABLE not in str(exc) or time.monotonic() >= deadline:
                raise
            say("The role cannot be assumed yet (IAM takes a few seconds): retrying…")
            time.sleep(ROLE_RETRY_EVERY_S)
    try:
        _wait(client, "function_active_v2", name)
    except DeployError:
        _undo_create(client, name)
        raise


def _update(
    client: Any, where: Target, name: str, role_arn: str | None, code: bytes,
    architectures: list[str], settings: dict[str, Any], layer_arns: list[str],
    previous: dict[str, Any], say: Progress,
) -> None:  # fmt: skip
    """UpdateFunctionConfiguration (with the whole Layers list: it replaces the old one), then
    UpdateFunctionCode; a refused code update puts the previous configuration back."""
    say(f"Updating {name} in {where.region}…")
    _wait(client, "function_updated_v2", name)  # an update still running would be a 409
    changes = dict(settings, Layers=layer_arns, **({"Role": role_arn} if role_arn else {}))
    _call("UpdateFunctionConfiguration", client.update_function_configuration,
          FunctionName=name, **changes)  # fmt: skip
    _wait(client, "function_updated_v2", name)
    try:
        _call("UpdateFunctionCode", client.update_function_code, FunctionName=name,
              ZipFile=code, Architectures=architectures)  # fmt: skip
        _wait(client, "function_updated_v2", name)
    except DeployError as exc:
        _restore(client, name, previous)
        raise DeployError(
            f"{exc} (the previous configuration was put back; the code is unchanged)"
        ) from None


# -------------------------------------------------------------------------------- layers
@dataclass(frozen=True)
class LayerUpload:
    """One layer of the revision as PublishLayerVersion takes it."""

    name: str  # the LayerName: <function>-layer-<position>, as export_sam names its folders
    source: Path
    zip_bytes: bytes
    code_sha256: str


def layer_uploads(rev: FunctionRevision, tmp: Path) -> list[LayerUpload]:
    """The revision's layers zipped, in merge order, checked before any call. A folder is
    zipped deterministically (package.write_zip: the same files give the same CodeSha256, so
    an unchanged layer is recognised); a .zip goes up as it is, as `sam deploy` uploads it."""
    out = []
    for i, given in enumerate(rev.layers, 1):
        path = Path(given)
        if path.is_file():
            zip_path = path
        elif path.is_dir():
            files = sorted(package._walk(path), key=lambda e: e.name)
            zip_path = package.write_zip(files, tmp / f"layer-{i}.zip")
        else:
            raise DeployError(
                f"{rev.config.name}: layer {path} no longer exists (it did when the revision "
                "was published): put it back or re-run the cell with --layer pointing at it"
            )
        size = zip_path.stat().st_size
        if size > package.ZIPPED_MAX_BYTES:
            raise RequestEntityTooLargeException(
                f"Zipped size must be smaller than {package.ZIPPED_MAX_BYTES} bytes (layer "
                f"{path} is {size} bytes zipped; fn.export_sam(directory) and `sam deploy` "
                "upload it from S3 instead)"
            )
        data = zip_path.read_bytes()
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
        out.append(LayerUpload(f"{rev.config.name}-layer-{i}", path, data, digest))
    return out


def publish_layers(
    client: Any, uploads: list[LayerUpload], runtime: str, architectures: list[str],
    say: Progress,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """PublishLayerVersion for each layer whose newest version differs; returns the version
    ARNs in merge order and those published now. A failure deletes what it published."""
    arns: list[str] = []
    published: list[str] = []
    try:
        for up in uploads:
            same = _same_layer_version(client, up, runtime, architectures)
            if same:
                say(f"Layer {up.name}: unchanged, reusing version {same.rsplit(':', 1)[1]}")
                arns.append(same)
                continue
            say(f"Publishing layer {up.name} ({len(up.zip_bytes)} bytes zipped)…")
            reply = _call(
                "PublishLayerVersion", client.publish_layer_version, LayerName=up.name,
                Description=f"{up.source.name}, published by lambda_nb",
                Content={"ZipFile": up.zip_bytes}, CompatibleRuntimes=[runtime],
                CompatibleArchitectures=architectures,
            )  # fmt: skip
            arns.append(reply["LayerVersionArn"])
            published.append(reply["LayerVersionArn"])
    except BaseException as exc:
        note = withdraw_layers(client, published)
        if note and isinstance(exc, DeployError):
            raise DeployError(f"{exc} ({note})") from None
        raise
    return arns, published


def _same_layer_version(
    client: Any, up: LayerUpload, runtime: str, architectures: list[str]
) -> str | None:
    """The newest version of the layer when it holds these bytes for this runtime and
    architecture (GetLayerVersion's CodeSha256); None otherwise, or when it cannot be read."""
    try:
        listed = client.list_layer_versions(LayerName=up.name).get("LayerVersions") or []
        if not listed:
            return None
        newest = max(listed, key=lambda v: v["Version"])
        if runtime not in (newest.get("CompatibleRuntimes") or []):
            return None
        if list(newest.get("CompatibleArchitectures") or []) != list(architectures):
            return None
        found = client.get_layer_version(LayerName=up.name, VersionNumber=newest["Version"])
    except Exception:  # not readable (permissions, say): publishing a new version is right
        return None
    if (found.get("Content") or {}).get("CodeSha256") != up.code_sha256:
        return None
    return str(found["LayerVersionArn"])


def withdraw_layers(client: Any, published: list[str]) -> str:
    """Delete the layer versions a failed deploy published; says what was published and what
    is left ("" when it published none)."""
    left = []
    for arn in published:
        layer, version = arn.rsplit(":", 1)
        try:
            client.delete_layer_version(LayerName=layer, VersionNumber=int(version))
        except Exception:
            left.append(arn)
    if not published:
        return ""
    note = "this deploy published layer versions " + ", ".join(published)
    if not left:
        return note + " and deleted them again"
    return note + (
        "; still published, as deleting them failed: " + ", ".join(left)
        + " (aws lambda delete-layer-version --layer-name NAME --version-number N)"
    )  # fmt: skip


def _get_function(client: Any, name: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = client.get_function(FunctionName=name)
    except client.exceptions.ResourceNotFoundException:
        return None
    return found


def _call(operation: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One API call; botocore's errors become a DeployError in AWS's words."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return func(*args, **kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", str(exc))
        raise DeployError(f"{operation} failed: {code}: {message}") from None
    except NoCredentialsError:
        raise DeployError(f"{operation}: {CREDENTIALS_HELP}") from None
    except BotoCoreError as exc:
        raise DeployError(f"{operation} failed: {exc}") from None


def _wait(client: Any, waiter: str, name: str) -> None:
    """boto3's waiter (GetFunction every second, up to 5 minutes); a Failed state or an
    update that failed is a DeployError with Lambda's StateReason / LastUpdateStatusReason."""
    from botocore.exceptions import WaiterError

    try:
        client.get_waiter(waiter).wait(FunctionName=name)
    except WaiterError as exc:
        config = (exc.last_response or {}).get("Configuration", {})
        reason = (
            config.get("LastUpdateStatusReason") or config.get("StateReason") or exc.last_response
        )
        raise DeployError(f"{name}: waiting for {waiter} failed: {reason}") from None


def _undo_create(client: Any, name: str) -> None:
    try:
        client.delete_function(FunctionName=name)
    except Exception:  # best effort: the error being raised says what went wrong
        pass


def _restore(client: Any, name: str, previous: dict[str, Any]) -> None:
    """Put the configuration back as GetFunction gave it before this deploy."""
    keys = ("Role", "Handler", "Runtime", "Timeout", "MemorySize", "EphemeralStorage",
            "LoggingConfig", "Description")  # fmt: skip
    back = {k: previous[k] for k in keys if k in previous}
    back["Layers"] = [layer["Arn"] for layer in previous.get("Layers") or []]
    back["Environment"] = {"Variables": (previous.get("Environment") or {}).get("Variables", {})}
    try:
        client.update_function_configuration(FunctionName=name, **back)
        client.get_waiter("function_updated_v2").wait(FunctionName=name)
    except Exception:  # best effort, as above
        pass


# ------------------------------------------------------------------------------- invoke
def invoke(
    where: Target,
    event: Any,
    qualifier: str | None = None,
    rev: FunctionRevision | None = None,
    record_class: type[Invocation] = Invocation,
) -> Invocation:
    """Invoke the deployed function (RequestResponse, LogType Tail); its reply as a record."""
    payload = encode_event(event)  # the same checks as a local invoke (6 MB, no NaN)
    params: dict[str, Any] = {
        "FunctionName": where.name, "InvocationType": "RequestResponse", "LogType": "Tail",
        "Payload": payload,
    }  # fmt: skip
    if qualifier:
        params["Qualifier"] = qualifier
    started = time.time()
    reply = _call("Invoke", where.client.invoke, **params)
    return record(where, event, reply, started, rev, record_class, qualifier)


def record(
    where: Target,
    event: Any,
    reply: dict[str, Any],
    started: float,
    rev: FunctionRevision | None = None,
    record_class: type[Invocation] = Invocation,
    qualifier: str | None = None,
) -> Invocation:
    """An Invocation from Invoke's reply: status from FunctionError and the error type, the
    payload, and the log tail as records with the REPORT parsed."""
    body: Any = reply.get("Payload")
    raw: bytes = body.read() if hasattr(body, "read") else (body or b"")
    tail = log_tail.parse(reply.get("LogResult"), time.time())
    data: Any = None
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    config = where.configuration or {}
    local = rev.config if rev is not None else None
    report = tail.report
    request_id = (
        (report.request_id if report else None) or tail.request_id
        or reply.get("ResponseMetadata", {}).get("RequestId") or str(uuid.uuid4())
    )  # fmt: skip
    arn = where.function_arn or ""
    inv = record_class(
        request_id=request_id,
        function_name=where.name,
        version=str(reply.get("ExecutedVersion") or "$LATEST"),
        event=event,
        revision=where.revision if where.revision is not None else 0,
        invoked_function_arn=f"{arn}:{qualifier}" if arn and qualifier else arn,
        timeout=float(config.get("Timeout") or (local.timeout if local else 0)),
        memory_size=int(
            config.get("MemorySize")
            or (report.memory_size_mb if report else 0)
            or (local.memory if local else 0)
        ),
        started_at=started,
        raw_payload=raw,
        logs=tail.records,
        report=report,
        cold=bool(report and report.init_duration_ms is not None),
        log_result=reply.get("LogResult"),
    )
    if reply.get("FunctionError"):
        text = raw.decode("utf-8", "replace")
        inv.error = data if isinstance(data, dict) else {"errorMessage": text}
        inv.status = _status(inv.error.get("errorType"), report)
    else:
        inv.payload = data
        inv.status = "success"
    inv._done.set()
    return inv


def _status(error_type: Any, report: Any) -> Any:
    """The local status names for what AWS reports (engine/environment.py uses the same)."""
    reported = getattr(report, "status", None)
    if error_type == "Sandbox.Timedout" or reported == "timeout":
        return "timeout"
    if error_type == "Runtime.OutOfMemory":
        return "out_of_memory"
    if error_type == "Runtime.ExitError":
        return "crash"
    return "error"


def log_text(log_result: str | None) -> str:
    """The decoded log tail, as `aws lambda invoke --log-type Tail` users read it."""
    return base64.b64decode(log_result or "").decode("utf-8", "replace")

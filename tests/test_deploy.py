"""The way out to AWS: package(), export_sam(), deploy(), invoke_remote(), their magic and CLI.

Real parts: the zip is read back with zipfile and its code run from the extracted folder;
the SAM template goes through the real `cfn-lint`; deploy() talks to moto's in-process AWS
(create, then update, through boto3's real waiters; sandbox-and-packages.md 4.3); invoke_remote()
reads a reply given to botocore's Stubber in the shape Lambda's Invoke returns.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lambda_nb import Function
from lambda_nb.aws import deploy as remote
from lambda_nb.aws import log_tail, sam
from lambda_nb.engine import package
from lambda_nb.engine.errors import InvalidParameterValueException, RequestEntityTooLargeException
from lambda_nb.engine.service import LambdaService
from lambda_nb.render import static
from lambda_nb.render import viewmodel as vm

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
from botocore.response import StreamingBody  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CFN_LINT = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint"

CODE = """\
import helpers

def lambda_handler(event, context):
    return {"answer": helpers.answer(), "event": event}
"""
HELPERS = "def answer():\n    return 42\n"
FAILS = """\
def lambda_handler(event, context):
    raise ValueError("boom")
"""


@pytest.fixture
def fn(make_function: Callable[..., Function], service: LambdaService) -> Function:
    """A Python function of three files: the handler, a helper module, a data file."""
    f = make_function(CODE, timeout=7, memory=256, environment={"STAGE": "dev"})
    service.publish(
        f.config,
        {"lambda_function.py": CODE, "helpers.py": HELPERS, "data/config.json": b'{"a": 1}'},
        code_file="lambda_function.py",
    )
    return f


def infos(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: i for i in archive.infolist()}


def mode(info: zipfile.ZipInfo) -> int:
    return info.external_attr >> 16


# =============================================================================== package


def test_package_has_code_at_the_root_with_posix_modes(fn: Function, tmp_path: Path) -> None:
    task_root = fn._revision.task_root
    (task_root / "__pycache__").mkdir()  # what a local interpreter leaves: not the function's
    (task_root / "__pycache__" / "helpers.cpython-311.pyc").write_bytes(b"\0" * 16)
    (task_root / "helpers.py").chmod(0o600)  # a strict umask must not lock Lambda's user out

    path = fn.package(tmp_path / "out")
    assert path == tmp_path / "out"
    found = infos(path)
    assert list(found) == ["data/", "data/config.json", "helpers.py", "lambda_function.py"]
    for name, info in found.items():
        assert info.create_system == 3  # Unix: the mode bits are read from external_attr
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        if name.endswith("/"):
            assert stat.S_ISDIR(mode(info)) and stat.S_IMODE(mode(info)) == 0o755
        else:
            assert stat.S_ISREG(mode(info)) and stat.S_IMODE(mode(info)) == 0o644

    # What Lambda does with it: unzip into /var/task and import the handler from there.
    extracted = tmp_path / "task"
    subprocess.run(["unzip", "-q", str(path), "-d", str(extracted)], check=True)
    assert stat.S_IMODE((extracted / "helpers.py").stat().st_mode) == 0o644
    run = subprocess.run(
        [sys.executable, "-c",
         "import json, lambda_function; print(json.dumps(lambda_function.lambda_handler({'k': 1}, None)))"],
        cwd=extracted, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(run.stdout) == {"answer": 42, "event": {"k": 1}}


def test_package_holds_requirements_not_what_aws_provides(
    make_function: Callable[..., Function], tmp_path: Path
) -> None:
    """Requirements are hard-linked into the task root from the cache and go into the zip;
    the runtime's bundled boto3 (which AWS provides) and the layers' /opt do not."""
    code = (
        "import boto3, six\n"
        "def lambda_handler(e, c):\n"
        "    return [six.__version__, boto3.__name__]\n"
    )
    f = make_function(code, requirements=["six==1.16.0"])
    assert f.invoke({}).payload == ["1.16.0", "boto3"]  # boto3 from the runtime, locally
    rev = f._revision
    assert (rev.task_root / "six.py").stat().st_nlink > 1  # a hard link into the cache
    names = list(infos(f.package(tmp_path / "pkg.zip")))
    assert "six.py" in names and "six-1.16.0.dist-info/METADATA" in names
    assert not [n for n in names if n.split("/")[0] in ("boto3", "botocore", "s3transfer")]
    assert not [n for n in names if "__pycache__" in n]
    extracted = tmp_path / "task"
    subprocess.run(["unzip", "-q", str(tmp_path / "pkg.zip"), "-d", str(extracted)], check=True)
    assert (extracted / "six.py").read_bytes() == (rev.task_root / "six.py").read_bytes()


def test_package_is_deterministic(
    fn: Function, service: LambdaService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fn.package(tmp_path / "a.zip")
    files = {"lambda_function.py": CODE, "helpers.py": HELPERS, "data/config.json": b'{"a": 1}'}
    service.publish(fn.config, files, code_file="lambda_function.py")  # revision 3, new mtimes
    os.utime(fn._revision.task_root / "helpers.py", (1e9, 1e9))
    monkeypatch.chdir(tmp_path)
    second = fn.package()  # the default: ./<name>.zip
    assert second == tmp_path / f"{fn.name}.zip"
    assert first.read_bytes() == second.read_bytes()
    assert package.code_sha256(first) == package.code_sha256(second)
    service.publish(fn.config, {**files, "helpers.py": "def answer():\n    return 43\n"})
    assert package.code_sha256(fn.package(tmp_path / "c.zip")) != package.code_sha256(first)


def test_package_custom_runtime_bootstrap_is_executable(
    make_function: Callable[..., Function], tmp_path: Path
) -> None:
    script = "#!/bin/sh\necho hi\n"
    own = make_function(script, runtime="provided.al2023")
    found = infos(own.package(tmp_path / "own.zip"))
    assert list(found) == ["bootstrap"]
    assert stat.S_IMODE(mode(found["bootstrap"])) == 0o755

    runtime = tmp_path / "my-runtime"
    runtime.write_text(script)
    runtime.chmod(0o700)
    outside = make_function("handler code\n", runtime="provided.al2023", bootstrap=runtime)
    found = infos(outside.package(tmp_path / "outside.zip"))
    assert sorted(found) == ["bootstrap", "function"]  # the runtime travels with the code
    assert stat.S_IMODE(mode(found["bootstrap"])) == 0o755
    assert stat.S_IMODE(mode(found["function"])) == 0o644
    with zipfile.ZipFile(tmp_path / "outside.zip") as archive:
        assert archive.read("bootstrap") == script.encode()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_package_nodejs_module_at_the_root(
    make_function: Callable[..., Function], tmp_path: Path
) -> None:
    js = make_function("export const handler = async () => 1;\n", runtime="nodejs22.x")
    assert list(infos(js.package(tmp_path))) == ["index.mjs"]  # a folder: <name>.zip in it
    assert (tmp_path / f"{js.name}.zip").is_file()


def test_package_over_the_unzipped_limit(fn: Function, tmp_path: Path) -> None:
    big = fn._revision.task_root / "model.bin"
    with big.open("wb") as f:  # sparse: no disk is used, the size is what counts
        f.truncate(package.UNZIPPED_MAX_BYTES + 1)
    dest = tmp_path / "pkg.zip"
    with pytest.raises(InvalidParameterValueException) as caught:
        fn.package(dest)
    assert caught.value.args[0].startswith(
        "Unzipped size must be smaller than 262144000 bytes"
    )  # AWS's words (sandbox-and-packages.md 3.2)
    assert str(caught.value).startswith("InvalidParameterValueException: Unzipped size")
    assert not dest.exists() and not list(tmp_path.iterdir())  # no zip, no leftover


def test_package_with_layers_over_the_limit(fn: Function, tmp_path: Path) -> None:
    # `opt_dir` (the merged layers) is the packages work's field; set here as it will be.
    opt = tmp_path / "opt"
    (opt / "python").mkdir(parents=True)
    with (opt / "python" / "big.so").open("wb") as f:
        f.truncate(package.UNZIPPED_MAX_BYTES - 10)
    rev = fn._revision
    rev.opt_dir = opt  # type: ignore[attr-defined]
    size = package.unzipped_size(package.entries(rev)) + package.UNZIPPED_MAX_BYTES - 10
    with pytest.raises(InvalidParameterValueException) as caught:
        fn.package(tmp_path / "pkg.zip")
    assert caught.value.args[0] == (
        "Function code combined with layers exceeds the maximum allowed size of 262144000 "
        f"bytes. The actual size is {size} bytes."
    )


# ============================================================================ export_sam


def cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CFN_LINT, str(template)], capture_output=True, text=True, timeout=300)


class _CfnLoader:
    """PyYAML's safe loader with CloudFormation's short tags, to read the template back."""

    @staticmethod
    def load(text: str) -> Any:
        yaml = pytest.importorskip("yaml")

        class Loader(yaml.SafeLoader):
            pass

        for tag in ("!Ref", "!GetAtt"):
            Loader.add_constructor(
                tag, lambda loader, node, t=tag: {t: loader.construct_scalar(node)}
            )
        return yaml.load(text, Loader=Loader)  # a SafeLoader subclass


TRICKY_ENV = {
    "QUOTES": "it's \"quoted\"", "COLON": "a: b # not a comment", "NEWLINE": "line1\nline2",
    "YES": "yes", "NULL": "null", "OCTAL": "0123", "UNICODE": "café ✓", "EMPTY": "",
    "BACKSLASH": "C:\\path\\", "AT": "@start", "STAR": "*alias", "ON": "off", "Y": "n",
}  # fmt: skip


def test_export_sam_passes_cfn_lint(
    make_function: Callable[..., Function], service: LambdaService, tmp_path: Path
) -> None:
    f = make_function(
        CODE, timeout=30, memory=512, environment=TRICKY_ENV, log_format="JSON", log_level="WARN"
    )
    service.publish(f.config, {"lambda_function.py": CODE, "helpers.py": HELPERS})
    template = f.export_sam(tmp_path / "out")
    assert template == tmp_path / "out" / "template.yaml"
    lint = cfn_lint(template)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    data = _CfnLoader.load(template.read_text())
    (_fid, resource), *others = data["Resources"].items()
    assert others == [] and resource["Type"] == "AWS::Serverless::Function"
    props = resource["Properties"]
    assert props == {
        "CodeUri": f"{f.name}/",
        "Handler": "lambda_function.lambda_handler",
        "Runtime": f.runtime,
        "Architectures": ["x86_64"],
        "MemorySize": 512,
        "Timeout": 30,
        "EphemeralStorage": {"Size": 512},
        "Environment": {"Variables": TRICKY_ENV},  # every value back exactly, as a string
        "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "WARN"},
    }
    code = tmp_path / "out" / f.name
    assert sorted(p.name for p in code.iterdir()) == ["helpers.py", "lambda_function.py"]
    assert (code / "helpers.py").read_text() == HELPERS


@pytest.mark.parametrize(
    ("runtime", "code"),
    [("nodejs22.x", "export const handler = async () => 1;\n"), ("provided.al2023", "#!/bin/sh\n")],
)
def test_export_sam_other_runtimes_pass_cfn_lint(
    make_function: Callable[..., Function], tmp_path: Path, runtime: str, code: str
) -> None:
    if runtime.startswith("nodejs") and shutil.which("node") is None:
        pytest.skip("needs node")
    f = make_function(code, runtime=runtime)
    template = f.export_sam(tmp_path)
    lint = cfn_lint(template)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert f'Runtime: "{runtime}"' in template.read_text()
    if runtime.startswith("provided"):
        assert stat.S_IMODE((tmp_path / f.name / "bootstrap").stat().st_mode) == 0o755


def test_cfn_lint_catches_a_bad_template(fn: Function, tmp_path: Path) -> None:
    """The check above can fail: the same template with a memory size Lambda refuses."""
    template = fn.export_sam(tmp_path)
    template.write_text(template.read_text().replace("MemorySize: 256", "MemorySize: 64"))
    lint = cfn_lint(template)
    assert lint.returncode == 2 and "E3034" in lint.stdout


def test_export_sam_layers_and_events_hooks(fn: Function, tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "shared.py").write_text("X = 1\n")
    extra = sam.SamExport(
        layers=[sam.Layer(layer)],
        events={"Queue": {"Type": "SQS", "Properties": {"Queue": sam.GetAtt("Queue.Arn")}}},
        resources={"Queue": {"Type": "AWS::SQS::Queue"}},
    )
    template = sam.export(fn._revision, tmp_path / "out", extra)
    lint = cfn_lint(template)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    data = _CfnLoader.load(template.read_text())
    props = data["Resources"][sam.logical_id(fn.name, "Function")]["Properties"]
    (layer_id,) = [k for k, v in data["Resources"].items() if v["Type"].endswith("LayerVersion")]
    assert props["Layers"] == [{"!Ref": layer_id}]
    content = data["Resources"][layer_id]["Properties"]["ContentUri"]
    assert (tmp_path / "out" / content / "python" / "shared.py").read_text() == "X = 1\n"
    assert props["Events"]["Queue"]["Properties"]["Queue"] == {"!GetAtt": "Queue.Arn"}


def test_export_sam_layer_zip_is_copied_as_is(fn: Function, tmp_path: Path) -> None:
    layer = tmp_path / "layer.zip"
    with zipfile.ZipFile(layer, "w") as archive:
        archive.writestr("python/shared.py", "X = 1\n")
    template = sam.export(fn._revision, tmp_path / "out", sam.SamExport(layers=[sam.Layer(layer)]))
    copied = tmp_path / "out" / f"{fn.name}-layer-1.zip"
    assert copied.read_bytes() == layer.read_bytes()
    assert f'ContentUri: "{copied.name}"' in template.read_text()
    lint = cfn_lint(template)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    with pytest.raises(FileNotFoundError, match=r"no such folder or \.zip"):
        sam.export(
            fn._revision, tmp_path / "out", sam.SamExport(layers=[sam.Layer(tmp_path / "x")])
        )


def test_export_sam_of_a_function_with_layers_passes_cfn_lint(
    make_function: Callable[..., Function], tmp_path: Path
) -> None:
    """The revision's own layers (from `layers=`), in merge order, on arm64."""
    first = tmp_path / "first"
    (first / "python").mkdir(parents=True)
    (first / "python" / "shared.py").write_text("WHO = 'first'\n")
    second = tmp_path / "second.zip"
    with zipfile.ZipFile(second, "w") as archive:
        archive.writestr("python/shared.py", "WHO = 'second'\n")
    code = "import shared\ndef lambda_handler(e, c):\n    return shared.WHO\n"
    f = make_function(code, layers=[first, second], architecture="arm64")
    template = f.export_sam(tmp_path / "out")
    lint = cfn_lint(template)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    data = _CfnLoader.load(template.read_text())
    props = data["Resources"][sam.logical_id(f.name, "Function")]["Properties"]
    assert props["Architectures"] == ["arm64"]
    ids = [ref["!Ref"] for ref in props["Layers"]]
    layers = [data["Resources"][i]["Properties"] for i in ids]
    assert [p["ContentUri"] for p in layers] == [f"{f.name}-layer-1/", f"{f.name}-layer-2.zip"]
    assert all(p["CompatibleArchitectures"] == ["arm64"] for p in layers)
    assert all(p["CompatibleRuntimes"] == [f.runtime] for p in layers)
    out = tmp_path / "out"
    assert (out / f"{f.name}-layer-1" / "python" / "shared.py").read_text() == "WHO = 'first'\n"
    assert (out / f"{f.name}-layer-2.zip").read_bytes() == second.read_bytes()


def test_export_sam_replaces_its_own_export_only(
    fn: Function, service: LambdaService, tmp_path: Path
) -> None:
    fn.export_sam(tmp_path)
    service.publish(fn.config, {"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"})
    fn.export_sam(tmp_path)  # a second export: the code folder holds the new code only
    assert sorted(p.name for p in (tmp_path / fn.name).iterdir()) == ["lambda_function.py"]

    foreign = tmp_path / "theirs"
    foreign.mkdir()
    (foreign / "template.yaml").write_text("Resources: {}\n")
    with pytest.raises(FileExistsError, match="not written by lambda_nb"):
        fn.export_sam(foreign)
    assert (foreign / "template.yaml").read_text() == "Resources: {}\n"


def test_yaml_scalars_are_quoted() -> None:
    text = sam.dump({"A": ["x", 1, True, sam.Ref("R")], "B": {}, "c-d": "#"})
    assert text == 'A:\n  - "x"\n  - 1\n  - true\n  - !Ref R\nB: {}\n"c-d": "#"\n'


# ================================================================================ deploy


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """moto's in-process AWS with fake credentials (nothing leaves this process)."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with moto.mock_aws():
        yield boto3.client("lambda", region_name="eu-west-1")


@pytest.fixture
def role(aws: Any) -> str:
    iam = boto3.client("iam", region_name="eu-west-1")
    arn: str = iam.create_role(
        RoleName="lambda-nb-basic", AssumeRolePolicyDocument=remote.TRUST_POLICY
    )["Role"]["Arn"]
    return arn


def recording_session(calls: list[str]) -> Any:
    """A boto3 Session that notes every Lambda operation it sends (waiters included)."""
    session = boto3.Session(region_name="eu-west-1")
    session.events.register("before-call.lambda.*", lambda model, **_: calls.append(model.name))
    return session


def test_deploy_creates_then_updates(
    fn: Function, service: LambdaService, aws: Any, role: str, tmp_path: Path
) -> None:
    calls: list[str] = []
    session = recording_session(calls)
    config = fn.deploy(role_arn=role, session=session)
    assert calls == ["GetFunction", "CreateFunction", "GetFunction", "GetFunctionConfiguration"]
    sha = package.code_sha256(fn.package(tmp_path / "pkg.zip"))
    expected = {
        "FunctionName": fn.name, "Runtime": fn.runtime, "Role": role,
        "Handler": "lambda_function.lambda_handler", "Timeout": 7, "MemorySize": 256,
        "Environment": {"Variables": {"STAGE": "dev"}}, "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512}, "State": "Active", "LastUpdateStatus": "Successful",
        "CodeSha256": sha,  # the same bytes as package() builds
    }  # fmt: skip
    assert {k: config.get(k) for k in expected} == expected
    assert aws.get_function(FunctionName=fn.name)["Configuration"]["CodeSha256"] == sha

    # A new revision: other code and settings. The same call updates it, waiting in between.
    files = {"lambda_function.py": CODE, "helpers.py": "def answer():\n    return 7\n"}
    service.publish(fn.config.with_changes(timeout=60, environment={"STAGE": "prod"}), files)
    calls.clear()
    config = fn.deploy(session=session)  # the role is kept
    assert calls == [
        "GetFunction", "GetFunction", "UpdateFunctionConfiguration", "GetFunction",
        "UpdateFunctionCode", "GetFunction", "GetFunctionConfiguration",
    ]  # fmt: skip
    new_sha = package.code_sha256(fn.package(tmp_path / "pkg2.zip"))
    assert new_sha != sha
    assert (config["CodeSha256"], config["Timeout"], config["Role"]) == (new_sha, 60, role)
    assert config["Environment"] == {"Variables": {"STAGE": "prod"}}
    assert config["Description"] == f"Deployed by lambda_nb from revision {fn.revision}"
    assert [f["FunctionName"] for f in aws.list_functions()["Functions"]] == [fn.name]


def test_deploy_without_a_role_says_which_role(fn: Function, aws: Any) -> None:
    with pytest.raises(remote.DeployError) as caught:
        fn.deploy()
    text = str(caught.value)
    assert "needs an execution role" in text and "lambda.amazonaws.com" in text
    assert "sts:AssumeRole" in text and remote.BASIC_POLICY in text
    assert aws.list_functions()["Functions"] == []  # nothing published


def test_deploy_with_a_role_lambda_cannot_assume(
    fn: Function, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new role may take seconds to be assumable: that refusal is retried, then reported.
    monkeypatch.setattr(remote, "ROLE_WAIT_S", 0.5)
    monkeypatch.setattr(remote, "ROLE_RETRY_EVERY_S", 0.1)
    calls: list[str] = []
    missing = "arn:aws:iam::123456789012:role/does-not-exist"
    with pytest.raises(remote.DeployError) as caught:
        fn.deploy(role_arn=missing, session=recording_session(calls))
    assert str(caught.value) == (
        "CreateFunction failed: InvalidParameterValueException: The role defined for the "
        "function cannot be assumed by Lambda."
    )
    assert calls.count("CreateFunction") > 1
    assert aws.list_functions()["Functions"] == []


def test_deploy_passes_on_aws_validation_in_its_words(fn: Function, aws: Any) -> None:
    with pytest.raises(remote.DeployError) as caught:
        fn.deploy(role_arn="r1")
    assert str(caught.value).startswith(
        "CreateFunction failed: ValidationException: 1 validation error detected: Value 'r1' at "
        "'role' failed to satisfy constraint: Member must satisfy regular expression pattern: "
    )  # sandbox-and-packages.md 3.2 (moto mirrors AWS's text)
    assert aws.list_functions()["Functions"] == []


def test_a_create_that_never_becomes_active_is_deleted(fn: Function, aws: Any, role: str) -> None:
    """The active waiter sees State Failed (as Lambda reports a bad package): the function that
    was just created is deleted again, and the error gives Lambda's StateReason."""
    session = boto3.Session(region_name="eu-west-1")
    created: list[bool] = []
    session.events.register("after-call.lambda.CreateFunction", lambda **_: created.append(True))
    failed = {
        "Configuration": {
            "FunctionName": fn.name, "State": "Failed", "StateReasonCode": "InvalidZipFileException",
            "StateReason": "Could not unzip uploaded file. Please check your file, then try to upload again.",
        }
    }  # fmt: skip

    def get_function(**_: Any) -> Any:  # only the waiter's polls, after the create
        return (SimpleNamespace(status_code=200), failed) if created else None

    session.events.register("before-call.lambda.GetFunction", get_function)
    with pytest.raises(remote.DeployError) as caught:
        fn.deploy(role_arn=role, session=session)
    assert created and str(caught.value) == (
        f"{fn.name}: waiting for function_active_v2 failed: Could not unzip uploaded file. "
        "Please check your file, then try to upload again."
    )
    assert aws.list_functions()["Functions"] == []  # nothing half-published


def test_a_failed_update_publishes_nothing(
    fn: Function, service: LambdaService, aws: Any, role: str
) -> None:
    before = fn.deploy(role_arn=role)
    service.publish(
        fn.config.with_changes(timeout=99),
        {"lambda_function.py": FAILS},
    )

    def refusal(code: str, message: str) -> Callable[..., Any]:
        """AWS saying no to one operation (moto accepts any role on update, for one)."""
        error = {"Code": code, "Message": message}
        return lambda **_: (SimpleNamespace(status_code=400), {"Error": error})

    # A role Lambda cannot assume: the configuration (which goes first) is refused.
    calls: list[str] = []
    session = recording_session(calls)
    session.events.register("before-call.lambda.UpdateFunctionConfiguration", refusal(
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.",
    ))  # fmt: skip
    with pytest.raises(remote.DeployError) as caught:
        fn.deploy(role_arn="arn:aws:iam::123456789012:role/does-not-exist", session=session)
    assert str(caught.value) == (
        "UpdateFunctionConfiguration failed: InvalidParameterValueException: The role defined "
        "for the function cannot be assumed by Lambda."
    )
    assert "UpdateFunctionCode" not in calls
    after = aws.get_function_configuration(FunctionName=fn.name)
    assert (after["CodeSha256"], after["Timeout"]) == (before["CodeSha256"], 7)

    # The code refused after the configuration went through: the configuration is put back.
    session = boto3.Session(region_name="eu-west-1")
    session.events.register("before-call.lambda.UpdateFunctionCode", refusal(
        "CodeStorageExceededException", "Code storage limit exceeded."
    ))  # fmt: skip
    with pytest.raises(remote.DeployError) as caught:
        fn.deploy(session=session)
    assert "UpdateFunctionCode failed: CodeStorageExceededException" in str(caught.value)
    assert "previous configuration was put back" in str(caught.value)
    after = aws.get_function_configuration(FunctionName=fn.name)
    assert (after["CodeSha256"], after["Timeout"]) == (before["CodeSha256"], 7)


def test_deploy_refuses_a_zip_over_50_mb_before_any_call(fn: Function, aws: Any, role: str) -> None:
    (fn._revision.task_root / "weights.bin").write_bytes(os.urandom(package.ZIPPED_MAX_BYTES))
    calls: list[str] = []
    with pytest.raises(RequestEntityTooLargeException) as caught:
        fn.deploy(role_arn=role, session=recording_session(calls))
    assert caught.value.args[0].startswith("Zipped size must be smaller than 52428800 bytes")
    assert "sam deploy" in str(caught.value)  # and what to do instead
    assert calls == [] and aws.list_functions()["Functions"] == []


LAYER_CODE = """\
import shared

def lambda_handler(event, context):
    return shared.WHO
"""


def layer_folder(root: Path, who: str) -> Path:
    """A layer laid out for Python (python/ at its root), with an executable in bin/."""
    (root / "python").mkdir(parents=True, exist_ok=True)
    (root / "python" / "shared.py").write_text(f"WHO = {who!r}\n")
    (root / "bin").mkdir(exist_ok=True)
    (root / "bin" / "tool").write_text("#!/bin/sh\necho tool\n")
    (root / "bin" / "tool").chmod(0o755)
    return root


def uploaded_layer(arn: str) -> zipfile.ZipFile:
    """The zip moto holds for a layer version (real AWS would give a presigned URL)."""
    from moto.awslambda.models import lambda_backends

    _, _, _, region, account, _, layer, version = arn.split(":")
    data = lambda_backends[account][region].get_layer_version(layer, version).code_bytes
    return zipfile.ZipFile(io.BytesIO(data))


def test_deploy_publishes_layers_first_and_lists_their_arns(
    make_function: Callable[..., Function], aws: Any, role: str, tmp_path: Path
) -> None:
    first = layer_folder(tmp_path / "first", "first")
    second_zip = tmp_path / "second.zip"
    with zipfile.ZipFile(second_zip, "w") as archive:
        archive.writestr("python/shared.py", "WHO = 'second'\n")
    f = make_function(LAYER_CODE, layers=[first, second_zip], architecture="arm64")
    assert f.invoke({}).payload == "second"  # locally: the later layer wins
    calls: list[str] = []
    config = f.deploy(role_arn=role, session=recording_session(calls))
    assert calls[:6] == [
        "GetFunction", "ListLayerVersions", "PublishLayerVersion", "ListLayerVersions",
        "PublishLayerVersion", "CreateFunction",
    ]  # fmt: skip
    arns = [layer["Arn"] for layer in config["Layers"]]
    assert [a.rsplit(":", 2)[1:] for a in arns] == [
        [f"{f.name}-layer-1", "1"], [f"{f.name}-layer-2", "1"],
    ]  # merge order kept  # fmt: skip
    assert config["Architectures"] == ["arm64"]
    for arn in arns:
        layer, version = arn.rsplit(":", 1)
        got = aws.get_layer_version(LayerName=layer, VersionNumber=int(version))
        assert got["CompatibleRuntimes"] == [f.runtime]
        assert got["CompatibleArchitectures"] == ["arm64"]
    with uploaded_layer(arns[0]) as archive:  # the folder, zipped as package() zips code
        listing = {i.filename: mode(i) for i in archive.infolist()}
        assert archive.read("python/shared.py") == b"WHO = 'first'\n"
    assert listing == {
        "bin/": stat.S_IFDIR | 0o755, "python/": stat.S_IFDIR | 0o755,
        "bin/tool": stat.S_IFREG | 0o755, "python/shared.py": stat.S_IFREG | 0o644,
    }  # fmt: skip
    with uploaded_layer(arns[1]) as archive:  # a .zip goes up as it is
        assert archive.namelist() == ["python/shared.py"]
    code = aws.get_function(FunctionName=f.name)["Configuration"]
    assert code["CodeSha256"] == package.code_sha256(f.package(tmp_path / "pkg.zip"))

    # Deployed again unchanged: the layers are reused, not published again.
    calls.clear()
    config = f.deploy(session=recording_session(calls))
    assert "PublishLayerVersion" not in calls
    assert [layer["Arn"] for layer in config["Layers"]] == arns

    # A changed layer folder and a new revision: a version 2 of that layer only.
    layer_folder(first, "first, edited")
    f2 = make_function(LAYER_CODE, name=f.name, layers=[first, second_zip],
                       architecture="arm64")  # fmt: skip
    config = f2.deploy()
    new = [layer["Arn"] for layer in config["Layers"]]
    assert new == [arns[0][:-1] + "2", arns[1]]
    with uploaded_layer(new[0]) as archive:
        assert archive.read("python/shared.py") == b"WHO = 'first, edited'\n"

    # Without layers, the update removes them from the function.
    f3 = make_function(CODE.replace("import helpers", "helpers = None"), name=f.name,
                       architecture="arm64")  # fmt: skip
    assert not f3.deploy().get("Layers")
    assert not aws.get_function_configuration(FunctionName=f.name).get("Layers")


def test_a_failed_create_deletes_the_layers_it_published(
    make_function: Callable[..., Function], aws: Any, role: str, tmp_path: Path
) -> None:
    f = make_function(LAYER_CODE, layers=[layer_folder(tmp_path / "l", "x")])
    session = boto3.Session(region_name="eu-west-1")
    error = {"Code": "CodeStorageExceededException", "Message": "Code storage limit exceeded."}
    session.events.register(
        "before-call.lambda.CreateFunction",
        lambda **_: (SimpleNamespace(status_code=400), {"Error": error}),
    )
    with pytest.raises(remote.DeployError) as caught:
        f.deploy(role_arn=role, session=session)
    arn = f"arn:aws:lambda:eu-west-1:123456789012:layer:{f.name}-layer-1:1"
    assert str(caught.value) == (
        "CreateFunction failed: CodeStorageExceededException: Code storage limit exceeded. "
        f"(this deploy published layer versions {arn} and deleted them again)"
    )
    assert aws.list_layer_versions(LayerName=f"{f.name}-layer-1")["LayerVersions"] == []
    assert aws.list_functions()["Functions"] == []

    # When the deletion fails too, the error says what is still published.
    session.events.register(
        "before-call.lambda.DeleteLayerVersion",
        lambda **_: (SimpleNamespace(status_code=403), {"Error": {"Code": "AccessDenied"}}),
    )
    with pytest.raises(remote.DeployError) as caught:
        f.deploy(role_arn=role, session=session)
    assert str(caught.value).endswith(
        f"still published, as deleting them failed: {arn[:-1]}2 (aws lambda "
        "delete-layer-version --layer-name NAME --version-number N))"
    )


def test_a_failed_update_puts_the_layers_back(
    make_function: Callable[..., Function], aws: Any, role: str, tmp_path: Path
) -> None:
    folder = layer_folder(tmp_path / "l", "v1")
    f = make_function(LAYER_CODE, layers=[folder])
    before = f.deploy(role_arn=role)
    layer_folder(folder, "v2")
    f2 = make_function(LAYER_CODE, name=f.name, layers=[folder], timeout=30)
    session = boto3.Session(region_name="eu-west-1")
    error = {"Code": "CodeStorageExceededException", "Message": "Code storage limit exceeded."}
    session.events.register(
        "before-call.lambda.UpdateFunctionCode",
        lambda **_: (SimpleNamespace(status_code=400), {"Error": error}),
    )
    with pytest.raises(remote.DeployError) as caught:
        f2.deploy(session=session)
    v2 = before["Layers"][0]["Arn"][:-1] + "2"
    assert str(caught.value) == (
        "UpdateFunctionCode failed: CodeStorageExceededException: Code storage limit exceeded. "
        "(the previous configuration was put back; the code is unchanged) (this deploy "
        f"published layer versions {v2} and deleted them again)"
    )
    after = aws.get_function_configuration(FunctionName=f.name)
    assert (after["Layers"], after["Timeout"]) == (before["Layers"], 3)
    versions = aws.list_layer_versions(LayerName=f"{f.name}-layer-1")["LayerVersions"]
    assert [v["Version"] for v in versions] == [1]


def test_deploy_without_a_role_publishes_no_layer(
    make_function: Callable[..., Function], aws: Any, tmp_path: Path
) -> None:
    f = make_function(LAYER_CODE, layers=[layer_folder(tmp_path / "l", "x")])
    with pytest.raises(remote.DeployError, match="needs an execution role"):
        f.deploy()
    assert aws.list_layers()["Layers"] == []


def test_deploy_refuses_a_layer_over_50_mb_zipped(
    make_function: Callable[..., Function], aws: Any, role: str, tmp_path: Path
) -> None:
    folder = layer_folder(tmp_path / "l", "x")
    f = make_function(LAYER_CODE, layers=[folder])
    (folder / "python" / "weights.bin").write_bytes(os.urandom(package.ZIPPED_MAX_BYTES))
    calls: list[str] = []
    with pytest.raises(RequestEntityTooLargeException) as caught:
        f.deploy(role_arn=role, session=recording_session(calls))
    assert caught.value.args[0].startswith(
        f"Zipped size must be smaller than 52428800 bytes (layer {folder.resolve()} is "
    )
    assert calls == [] and aws.list_layers()["Layers"] == []


def test_deploy_without_credentials(
    fn: Function, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role either
    with pytest.raises(remote.DeployError) as caught:
        fn.deploy(role_arn="arn:aws:iam::123456789012:role/x", region="eu-west-1")
    assert "found no AWS credentials" in str(caught.value)
    assert "aws configure" in str(caught.value) and "AWS_ACCESS_KEY_ID" in str(caught.value)
    with pytest.raises(remote.DeployError, match="has no AWS region"):
        fn.deploy(role_arn="arn:aws:iam::123456789012:role/x")


def test_deploy_without_boto3_names_the_extra(
    fn: Function, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if not installed
    with pytest.raises(ModuleNotFoundError, match=r"lambda-nb\[deploy\]"):
        fn.deploy(role_arn="arn:aws:iam::123456789012:role/x")


# ========================================================================= invoke_remote

REQUEST_ID = "6bbf1fbc-3e7a-4e5f-9f43-1d2a3b4c5d6e"
ERROR_BODY = {
    "errorMessage": "boom",
    "errorType": "ValueError",
    "requestId": REQUEST_ID,
    "stackTrace": [
        '  File "/var/task/lambda_function.py", line 2, in lambda_handler\n'
        '    raise ValueError("boom")\n'
    ],
}
TAIL = (
    "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:abc\n"
    f"START RequestId: {REQUEST_ID} Version: $LATEST\n"
    "about to fail\n"
    f"[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
    '  File "/var/task/lambda_function.py", line 2, in lambda_handler\n'
    '    raise ValueError("boom")\n'
    f"END RequestId: {REQUEST_ID}\n"
    f"REPORT RequestId: {REQUEST_ID}\tDuration: 12.34 ms\tBilled Duration: 128 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 40 MB\tInit Duration: 115.17 ms\t\n"
)


def stubbed(reply: dict[str, Any], event: Any) -> tuple[Any, Stubber]:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    client = session.client("lambda")
    stub = Stubber(client)
    payload = reply.pop("_payload")
    reply["Payload"] = StreamingBody(io.BytesIO(payload), len(payload))
    stub.add_response("invoke", reply, {
        "FunctionName": reply.pop("_name"), "InvocationType": "RequestResponse",
        "LogType": "Tail", "Payload": json.dumps(event).encode(),
    })  # fmt: skip
    stub.activate()
    session.client = lambda *a, **k: client  # type: ignore[method-assign]
    return session, stub


def test_invoke_remote_error_in_the_local_views(
    make_function: Callable[..., Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    f = make_function(FAILS, memory=256)
    local = f.invoke({"x": 1})
    assert local.status == "error"
    session, stub = stubbed({
        "_name": f.name, "_payload": json.dumps(ERROR_BODY).encode(), "StatusCode": 200,
        "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST",
        "LogResult": base64.b64encode(TAIL.encode()).decode(),
    }, {"x": 1})  # fmt: skip
    inv = f.invoke_remote({"x": 1}, session=session)
    stub.assert_no_pending_responses()

    assert (inv.status, inv.error_type, inv.request_id, inv.cold) == (
        "error",
        "ValueError",
        REQUEST_ID,
        True,
    )
    assert inv.error == ERROR_BODY and inv.function_error == "Unhandled" and inv.done
    assert inv.report is not None
    assert (inv.report.duration_ms, inv.report.billed_duration_ms) == (12.34, 128)
    assert (inv.report.memory_size_mb, inv.report.max_memory_used_mb) == (256, 40)
    assert inv.report.init_duration_ms == 115.17
    sources = [(r.source, r.level) for r in inv.logs]
    assert sources == [
        ("platform", None),
        ("platform", None),
        ("stdout", None),
        ("runtime", "ERROR"),
        ("platform", None),
        ("platform", None),
    ]
    assert inv.logs[3].message.count("\n") == 4  # the error record keeps its traceback

    # The same views as a local invoke: the same sections, the error and the logs drawn.
    remote_model, local_model = vm.build(inv), vm.build(local)
    assert [s.key for s in remote_model.sections] == [s.key for s in local_model.sections]
    text = static.to_text(inv)
    assert "Error" in text and "ValueError: boom" in text and "about to fail" in text
    assert "Init Duration: 115.17 ms" in text and f"REPORT RequestId: {REQUEST_ID}" in text
    html = inv._repr_mimebundle_()["text/html"]
    assert "ValueError" in html and "about to fail" in html and "Billed Duration" in html


def test_invoke_remote_success_json_log_format(make_function: Callable[..., Function]) -> None:
    f = make_function(CODE)
    report = {"time": "2026-12-01T10:00:00.000Z", "type": "platform.report", "record": {
        "requestId": REQUEST_ID, "status": "success", "metrics": {
            "durationMs": 2.5, "billedDurationMs": 3, "memorySizeMB": 128, "maxMemoryUsedMB": 35,
        }}}  # fmt: skip
    tail = "\n".join([
        json.dumps({"time": "2026-12-01T10:00:00.000Z", "type": "platform.start",
                    "record": {"requestId": REQUEST_ID, "version": "$LATEST"}}),
        json.dumps({"timestamp": "2026-12-01T10:00:00Z", "level": "INFO", "message": "hi",
                    "requestId": REQUEST_ID}),
        json.dumps(report),
    ]) + "\n"  # fmt: skip
    session, _stub = stubbed({
        "_name": f.name, "_payload": b'{"answer": 42}', "StatusCode": 200,
        "ExecutedVersion": "$LATEST", "LogResult": base64.b64encode(tail.encode()).decode(),
    }, None)  # fmt: skip
    inv = f.invoke_remote(session=session)
    assert (inv.status, inv.payload, inv.cold) == ("success", {"answer": 42}, False)
    assert inv.report is not None and inv.report.billed_duration_ms == 3
    assert inv.report.status is None
    assert [(r.source, r.level) for r in inv.logs] == [
        ("platform", None),
        ("runtime", "INFO"),
        ("platform", None),
    ]
    assert '"answer": 42' in static.to_text(inv)


def test_log_tail_reads_back_a_local_tail(make_function: Callable[..., Function]) -> None:
    """The engine writes the tail as Lambda does; reading it back gives the local records."""
    f = make_function('import logging\nlogging.getLogger().setLevel("INFO")\n'
                      'def lambda_handler(e, c):\n    print("x")\n    logging.info("y")\n'
                      '    raise ValueError("boom")\n')  # fmt: skip
    local = f.invoke({}, log_type="Tail")
    tail = log_tail.parse(local.log_result, 0.0)
    expected = [r for r in local.logs if not r.message.startswith("INIT_START")]
    # As the views classify them (a Text-format line's level is in its `[INFO]` prefix).
    strip = lambda r: (r.source, vm.log_line(0, r).level, r.message.rstrip("\n"))  # noqa: E731
    assert [strip(r) for r in tail.records] == [strip(r) for r in expected]
    assert tail.report == local.report and tail.request_id == local.request_id


def test_log_tail_full_tail_starts_mid_line() -> None:
    text = ("x" * 5000 + "\n").encode()[-log_tail.TAIL_BYTES :]
    tail = log_tail.parse(base64.b64encode(text).decode(), 0.0)
    assert tail.truncated and tail.records[0].message.startswith("…x")
    assert log_tail.parse("not base64!", 0.0).records == []
    assert log_tail.parse_report("REPORT RequestId: r\tDuration: x ms") is None


def test_timeout_reply_is_a_timeout() -> None:
    where = remote.Target("f", None, "eu-west-1")
    body = {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 3.00 seconds"}
    reply = {"FunctionError": "Unhandled", "Payload": json.dumps(body).encode()}
    inv = remote.record(where, {}, reply, 0.0)
    assert inv.status == "timeout" and inv.revision == 0


# ========================================================================== CLI and magic


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    full = {**base, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "lambda_nb", *args], capture_output=True, text=True,
        cwd=cwd, env=full, timeout=120,
    )  # fmt: skip


def test_cli_package_and_export(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(FAILS)
    done = cli("package", "app.py", "--name", "cli-fn", "--memory", "256", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path == tmp_path / "cli-fn.zip" and list(infos(path)) == ["app.py"]

    done = cli("export", "app.py", "out", "--name", "cli-fn", "--timeout", "9", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    template = Path(done.stdout.strip())
    assert 'Handler: "app.lambda_handler"' in template.read_text()
    assert "Timeout: 9" in template.read_text() and "sam build" in done.stderr

    done = cli("package", "missing.py", cwd=tmp_path)
    assert done.returncode == 2 and "missing.py: no such file" in done.stderr


def test_cli_deploy_without_credentials(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(FAILS)
    env = {"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}  # fmt: skip
    done = cli("deploy", "app.py", "--role", "arn:aws:iam::123456789012:role/x",
               "--region", "eu-west-1", cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert "lambda-nb deploy: " in done.stderr and "found no AWS credentials" in done.stderr


def test_cli_deploy_with_moto(
    aws: Any, role: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lambda_nb.cli import main

    (tmp_path / "app.py").write_text(FAILS)
    code = main(["deploy", str(tmp_path / "app.py"), "--name", "cli-deployed", "--role", role])
    out, err = capsys.readouterr()
    assert code == 0, err
    config = json.loads(out)
    assert (config["FunctionName"], config["Handler"]) == ("cli-deployed", "app.lambda_handler")
    assert "Deployed cli-deployed" in err and config["State"] == "Active"


def test_magic_package_export_deploy_invoke_remote(
    ip: Any, name: str, aws: Any, role: str, tmp_path: Path
) -> None:
    from IPython.core.error import UsageError
    from IPython.utils.capture import capture_output

    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke --memory 256", FAILS)
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"package {name} {tmp_path} -o zip_path")
    assert ip.user_ns["zip_path"] == tmp_path / f"{name}.zip" and "CodeSha256" in cap.stdout
    assert list(infos(ip.user_ns["zip_path"])) == ["lambda_function.py"]

    with capture_output() as cap:
        ip.run_line_magic("lambda", f"export {name} {tmp_path / 'sam'}")
    assert (tmp_path / "sam" / "template.yaml").is_file() and "sam build" in cap.stdout

    with pytest.raises(UsageError, match="needs an execution role"):
        ip.run_line_magic("lambda", f"deploy {name}")
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"deploy {name} --role {role} --region eu-west-1 -o cfg")
    assert f"Deployed {name}" in cap.stdout and ip.user_ns["cfg"]["MemorySize"] == 256

    # moto cannot run the function without Docker: the reply comes from the Stubber, through
    # the client the deploy left on the function's handle.
    from lambda_nb.engine.service import default_service

    fn = default_service().functions[name]
    # The magic's header line makes the cell's line N the file's line N: `raise` is line 3.
    body = json.dumps(ERROR_BODY).replace("line 2", "line 3").encode()
    stub = Stubber(fn._remote.client)
    stub.add_response("invoke", {
        "StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST",
        "LogResult": base64.b64encode(TAIL.encode()).decode(),
        "Payload": StreamingBody(io.BytesIO(body), len(body)),
    })  # fmt: skip
    with stub, capture_output() as cap:
        ip.run_line_magic("lambda", f"invoke {name} --remote -o remote_inv")
    inv = ip.user_ns["remote_inv"]
    assert inv.status == "error" and inv.invoked_function_arn == ip.user_ns["cfg"]["FunctionArn"]
    assert cap.stdout == f"On AWS: {inv.invoked_function_arn}\n"
    (shown,) = [o.data for o in cap.outputs]
    assert "ValueError: boom" in shown["text/plain"] and "cell line 3" in shown["text/plain"]
    assert "ValueError" in shown["text/html"]
    with pytest.raises(UsageError, match="--remote invokes once"):
        ip.run_line_magic("lambda", f"invoke {name} --remote --async")


def test_cli_a_failed_requirements_build_is_a_clear_error(tmp_path: Path) -> None:
    """package/serve FILE whose requirements cannot be built: the build's message, not a
    traceback (every FILE command publishes through one path in cli.py)."""
    (tmp_path / "app.py").write_text(FAILS)
    for command in (["package", "app.py"], ["serve", "app.py"]):
        done = cli(*command, "--requirements", "lambda-nb-no-such-package-zq==1.0", cwd=tmp_path)
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert "lambda-nb: error:" in done.stderr, done.stderr
        assert "No matching distribution found for lambda-nb-no-such-package-zq" in done.stderr
    assert not (tmp_path / "my-function.zip").exists()  # nothing half-made

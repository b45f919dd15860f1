"""CodePipeline Lambda invoke actions."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT
from lambda_nb.events._codec import s3_key
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


def _artifact(name: str, bucket: str, key: str, revision: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "revision": revision,
        "location": {"type": "S3", "s3Location": {"bucketName": bucket, "objectKey": s3_key(key)}},
    }


@event("codepipeline.job", tier=3)
def job(
    g: Gen,
    user_parameters: str = "",
    function: str = "pipeline-action",
    input_bucket: str = "codepipeline-artifacts",
    input_key: str = "MyApp/SourceArti/source.zip",
    output_bucket: str = "codepipeline-artifacts",
    output_key: str = "MyApp/BuildArtif/build.zip",
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """CodePipeline job for a Lambda action: "CodePipeline.job" with artifacts and credentials."""
    data = {
        "actionConfiguration": {
            "configuration": {"FunctionName": function, "UserParameters": user_parameters}
        },
        "inputArtifacts": [_artifact("SourceArtifact", input_bucket, input_key, g.hex(40))],
        "outputArtifacts": [_artifact("BuildArtifact", output_bucket, output_key, None)],
        "artifactCredentials": {
            "accessKeyId": "ASIA" + g.upper(16),
            "secretAccessKey": g.token(40),
            "sessionToken": g.token(300),
        },
    }
    return {"CodePipeline.job": {"id": g.uuid(), "accountId": account_id, "data": data}}
